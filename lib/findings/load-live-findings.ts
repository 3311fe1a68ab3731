import { db, databaseUrl } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { logger } from '@/lib/base/log';
import { clusterKindFromDb, type TNodeRole, type TNodeStatus } from '@/lib/pg';
import { patroniPaused } from '@/lib/telemetry/patroni-pause';
import { boundsOf, loadBindings } from '@/lib/registry/lifecycle-load';
import { evaluateLiveCompliance } from '@/lib/findings/live-compliance';
import type { TLiveCluster, TLiveDrill, TLiveFindingsInput, TLiveMember } from '@/lib/findings/live-types';
import type { TAgentStatus } from '@/lib/agent/protocol';
import type { TFinding } from '@/lib/findings/types';

// Gathers, for bounded contexts, what lib/findings/live-compliance.ts needs from the registry and
// the latest stored observations (gatherLiveInputsBatch: a fixed number of queries for any number of
// contexts; gatherLiveInputs: one), and evaluates it (loadLiveFindings, which
// lib/findings/get-context-findings.ts calls; the read model's worker evaluates batches).

type TPatroniPayload = { cluster?: { pause?: boolean; members?: { host?: string; port?: number }[] }; patroni?: { pause?: boolean } };

const normHost = (h: string) => {
  const x = h.replace(/^\[|\]$/g, '').toLowerCase();
  return x === 'localhost' || x === '::1' || x.startsWith('127.') ? 'loopback' : x;
};

let ownSystemId: { at: number; id: string | null } | undefined;
/** System identifier of Vakt's own database (pg_control_system() is executable by every role). */
async function vaktSystemIdentifier(): Promise<string | null> {
  if (ownSystemId && Date.now() - ownSystemId.at < 5 * 60_000) return ownSystemId.id;
  let id: string | null = null;
  try {
    const [row] = await db.$queryRawUnsafe<{ id: string }[]>(`SELECT system_identifier::text AS id FROM pg_control_system()`);
    id = row?.id ?? null;
  } catch {
    id = null;
  }
  ownSystemId = { at: Date.now(), id };
  return id;
}

/**
 * Does Vakt's own database live on this cluster? Best effort, in order:
 * 1. the database system identifier of Vakt's database equals one a member reports (definitive:
 *    same replication group, whichever member DATABASE_URL reaches);
 * 2. DATABASE_URL's host:port equals a PostgreSQL address the cluster reveals — Patroni members'
 *    host/port from /cluster, or a replica's WAL receiver sender host/port (the primary's address).
 *    Vakt agents do not report their own PostgreSQL port, so an agent URL host alone is not a match
 *    (on a shared host that would flag every cluster).
 */
export function databaseOnMembers(dbUrl: string | null, ownSysId: string | null, members: { systemIdentifier: string | null; payload: unknown }[]): boolean {
  if (ownSysId && members.some((m) => m.systemIdentifier === ownSysId)) return true;
  if (!dbUrl) return false;
  let host: string;
  let port: number;
  try {
    const u = new URL(dbUrl);
    host = normHost(u.hostname);
    port = Number(u.port || 5432);
  } catch {
    return false;
  }
  for (const m of members) {
    const p = m.payload as (Partial<TAgentStatus> & TPatroniPayload) | null;
    const endpoints: { host?: string | null; port?: number | null }[] = [];
    for (const pm of p?.cluster?.members ?? []) endpoints.push({ host: pm.host, port: pm.port });
    const wr = (p as Partial<TAgentStatus> | null)?.postgres?.walReceiver;
    if (wr) endpoints.push({ host: wr.senderHost, port: wr.senderPort });
    if (endpoints.some((e) => e.host && normHost(e.host) === host && (e.port ?? 5432) === port)) return true;
  }
  return false;
}

function liveMember(m: {
  name: string;
  site: { name: string };
  observation: { status: string; role: string; observedAt: Date; error: string | null; lagBytes: number | null; lagSeconds: number | null; syncState: string | null; payload: unknown } | null;
}): TLiveMember {
  const o = m.observation;
  const p = (o?.payload ?? null) as Partial<TAgentStatus> | null;
  const usable = o && o.status !== 'unknown';
  return {
    name: m.name,
    site: m.site.name,
    status: (o?.status as TNodeStatus) ?? 'unknown',
    role: (o?.role as TNodeRole) ?? 'unknown',
    observedAt: o?.observedAt ?? null,
    error: o ? o.error : 'never observed',
    lagBytes: o?.lagBytes ?? null,
    lagSeconds: o?.lagSeconds ?? null,
    syncState: o?.syncState ?? null,
    settings: usable ? (p?.postgres?.settings ?? null) : null,
    archiver: usable ? (p?.postgres?.archiver ?? null) : null,
    previousArchiverFailedCount: null,
    backups: usable ? (p?.backups ?? null) : null,
    storage: usable && p?.storage ? { totalBytes: p.storage.totalBytes, freeBytes: p.storage.freeBytes } : null,
  };
}

const holdingInclude = {
  cluster: {
    include: {
      members: { include: { site: true, observation: true }, orderBy: { name: 'asc' as const } },
      contexts: { include: { context: { select: { id: true, slug: true } } } },
      drills: { orderBy: { createdAt: 'desc' as const }, take: 20 },
    },
  },
};

type TDrillRow = { id: string; status: string; external: boolean; backupLabel: string | null; backupChain: string[]; backupSizeBytes: number | null; walReplayBytes: number | null; restoreSeconds: number | null; finishedAt: Date | null; targetTime: Date | null; error: string | null };
const liveDrill = (d: TDrillRow): TLiveDrill => ({
  id: d.id,
  status: d.status as TLiveDrill['status'],
  external: d.external,
  backupLabel: d.backupLabel,
  backupChain: d.backupChain,
  backupSizeBytes: d.backupSizeBytes,
  walReplayBytes: d.walReplayBytes,
  restoreSeconds: d.restoreSeconds,
  finishedAt: d.finishedAt,
  targetTime: d.targetTime,
  error: d.error,
});

/**
 * Everything evaluateLiveCompliance needs, for many contexts with a fixed number of queries (the
 * read model's worker computes them in batches); keyed by context id. A context without a valid
 * current declaration maps to null.
 */
export async function gatherLiveInputsBatch(where: { ids?: string[]; slugs?: string[] }, now: Date = new Date()): Promise<Map<string, TLiveFindingsInput | null>> {
  const ctxs = await db.boundedContext.findMany({
    where: where.ids ? { id: { in: where.ids } } : { slug: { in: where.slugs ?? [] } },
    select: { id: true, slug: true },
  });
  const out = new Map<string, TLiveFindingsInput | null>();
  if (!ctxs.length) return out;
  const holdings = await db.clusterContext.findMany({ where: { contextId: { in: ctxs.map((c) => c.id) } }, include: holdingInclude });
  // every binding declaration needed (lib/registry/lifecycle-load.ts): the contexts' own and those of the other contexts on their clusters
  const contextIds = [...ctxs.map((c) => c.id), ...holdings.flatMap((h) => h.cluster.contexts.map((oc) => oc.context.id))];
  const classes = await db.recoveryClass.findMany();
  const bindings = await loadBindings(db, contextIds, boundsOf(classes));
  const specOf = new Map([...bindings].map(([id, b]) => [id, b.spec]));
  const bound = boundsOf(classes);
  let dbUrl: string | null = null;
  try {
    dbUrl = databaseUrl();
  } catch {
    dbUrl = null;
  }
  const ownSysId = holdings.length ? await vaktSystemIdentifier() : null;
  const siteRegions: Record<string, string | null> = holdings.length ? Object.fromEntries((await db.site.findMany({ select: { name: true, region: true } })).map((s) => [s.name, s.region])) : {};
  const e = env();
  for (const ctx of ctxs) {
    const spec = specOf.get(ctx.id) ?? null;
    if (!spec) {
      out.set(ctx.id, null);
      continue;
    }
    const clusters: TLiveCluster[] = holdings
      .filter((h) => h.contextId === ctx.id)
      .map((h) => {
        const c = h.cluster;
        const others: TLiveCluster['otherContexts'] = c.contexts
          .filter((oc) => oc.context.id !== ctx.id)
          .map((oc) => {
            const os = specOf.get(oc.context.id) ?? null;
            return { slug: oc.context.slug, rpoClass: os?.rpoClass ?? '', rpoBoundSeconds: os ? bound('RPO', os.rpoClass) : null, ...(os ? { rtoClass: os.rtoClass, failover: os.failover, crossSite: os.crossSite, approvalsRequired: os.approvalsRequired } : {}), rtoBoundSeconds: os ? bound('RTO', os.rtoClass) : null, database: oc.database, schema: oc.schema };
          });
        return {
          name: c.name,
          kind: clusterKindFromDb(c.kind),
          patroniPaused: c.kind === 'patroni' ? patroniPaused(c.members.map((m) => m.observation)) : null,
          members: c.members.map(liveMember),
          database: h.database,
          schema: h.schema,
          otherContexts: others,
          vaktDatabaseHere: databaseOnMembers(dbUrl, ownSysId, c.members.map((m) => ({ systemIdentifier: m.observation?.systemIdentifier ?? null, payload: m.observation?.payload ?? null }))),
          drills: c.drills.map(liveDrill),
          backupRepositorySite: c.backupRepositorySite,
          siteRegions,
        };
      });
    out.set(ctx.id, {
      context: { slug: ctx.slug },
      spec,
      crossSiteReplicaRequired: bindings.get(ctx.id)?.crossSiteReplicaRequired ?? spec.crossSite === 'required',
      bounds: { rpoBoundSeconds: bound('RPO', spec.rpoClass), rtoBoundSeconds: bound('RTO', spec.rtoClass) },
      clusters,
      config: { staleAfterSeconds: e.VAKT_STALE_AFTER_MS / 1000, storageRiskPercent: e.VAKT_STORAGE_RISK_PERCENT },
      now,
    });
  }
  return out;
}

/** Everything evaluateLiveCompliance needs for one context; null when it has no valid current declaration. */
export async function gatherLiveInputs(slug: string, now: Date = new Date()): Promise<TLiveFindingsInput | null> {
  const [one] = [...(await gatherLiveInputsBatch({ slugs: [slug] }, now)).values()];
  return one ?? null;
}

/** Live compliance findings of one context, from the registry and the latest observations (none without a valid declaration). */
export async function loadLiveFindings(slug: string): Promise<TFinding[]> {
  try {
    const input = await gatherLiveInputs(slug);
    return input ? evaluateLiveCompliance(input) : [];
  } catch (e) {
    logger.error({ slug, err: (e as Error).message }, 'live findings failed');
    throw e;
  }
}

import { db, databaseUrl } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { logger } from '@/lib/base/log';
import { clusterKindFromDb, type TNodeRole, type TNodeStatus } from '@/lib/pg';
import { patroniPaused } from '@/lib/telemetry/patroni-pause';
import { ZDeclarationSpec, type TDeclarationSpec } from '@/lib/registry/declaration-schema';
import { evaluateLiveCompliance } from '@/lib/findings/live-compliance';
import type { TLiveCluster, TLiveFindingsInput, TLiveMember } from '@/lib/findings/live-types';
import type { TAgentStatus } from '@/lib/agent/protocol';
import type { TFinding } from '@/lib/findings/types';

// Gathers, for one bounded context, what lib/findings/live-compliance.ts needs from the registry and
// the latest stored observations (gatherLiveInputs), and evaluates it (loadLiveFindings, which
// lib/findings/get-context-findings.ts calls).

type TPatroniPayload = { cluster?: { pause?: boolean; members?: { host?: string; port?: number }[] }; patroni?: { pause?: boolean } };

async function currentSpec(contextId: string, version: number): Promise<TDeclarationSpec | null> {
  if (!version) return null;
  const d = await db.declaration.findUnique({ where: { contextId_version: { contextId, version } } });
  const parsed = ZDeclarationSpec.safeParse(d?.spec);
  return parsed.success ? parsed.data : null;
}

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

/** Everything evaluateLiveCompliance needs for one context; null when it has no valid current declaration. */
export async function gatherLiveInputs(slug: string, now: Date = new Date()): Promise<TLiveFindingsInput | null> {
  const ctx = await db.boundedContext.findUnique({ where: { slug }, select: { id: true, slug: true, currentVersion: true } });
  if (!ctx) return null;
  const spec = await currentSpec(ctx.id, ctx.currentVersion);
  if (!spec) return null;
  const classes = await db.recoveryClass.findMany();
  const bound = (kind: 'RPO' | 'RTO', name: string) => classes.find((c) => c.kind === kind && c.name === name)?.boundSeconds ?? null;
  const holdings = await db.clusterContext.findMany({
    where: { contextId: ctx.id },
    include: {
      cluster: {
        include: {
          members: { include: { site: true, observation: true }, orderBy: { name: 'asc' } },
          contexts: { include: { context: { select: { id: true, slug: true, currentVersion: true } } } },
        },
      },
    },
  });
  let dbUrl: string | null = null;
  try {
    dbUrl = databaseUrl();
  } catch {
    dbUrl = null;
  }
  const ownSysId = holdings.length ? await vaktSystemIdentifier() : null;
  const clusters: TLiveCluster[] = [];
  for (const h of holdings) {
    const c = h.cluster;
    const others: TLiveCluster['otherContexts'] = [];
    for (const oc of c.contexts) {
      if (oc.context.id === ctx.id) continue;
      const os = await currentSpec(oc.context.id, oc.context.currentVersion);
      others.push({ slug: oc.context.slug, rpoClass: os?.rpoClass ?? '', rpoBoundSeconds: os ? bound('RPO', os.rpoClass) : null, database: oc.database, schema: oc.schema });
    }
    clusters.push({
      name: c.name,
      kind: clusterKindFromDb(c.kind),
      patroniPaused: c.kind === 'patroni' ? patroniPaused(c.members.map((m) => m.observation)) : null,
      members: c.members.map(liveMember),
      database: h.database,
      schema: h.schema,
      otherContexts: others,
      vaktDatabaseHere: databaseOnMembers(dbUrl, ownSysId, c.members.map((m) => ({ systemIdentifier: m.observation?.systemIdentifier ?? null, payload: m.observation?.payload ?? null }))),
    });
  }
  const e = env();
  return {
    context: { slug: ctx.slug },
    spec,
    bounds: { rpoBoundSeconds: bound('RPO', spec.rpoClass), rtoBoundSeconds: bound('RTO', spec.rtoClass) },
    clusters,
    config: { staleAfterSeconds: e.VAKT_STALE_AFTER_MS / 1000, storageRiskPercent: e.VAKT_STORAGE_RISK_PERCENT },
    now,
  };
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

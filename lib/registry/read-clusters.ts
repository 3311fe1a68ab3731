import { z } from 'zod';
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { AppError, notFound } from '@/lib/base/errors';
import { deriveClusterStateOf, type TClusterState, type TSafetyInput } from '@/lib/safety/engine';
import { loadSafetyInputs, safetyClusterInclude } from '@/lib/safety/load-safety-input';
import { clusterKindFromDb, type TClusterKind, type TNodeRole } from '@/lib/pg';
import { patroniPaused } from '@/lib/telemetry/patroni-pause';

// docs/api.md "Reading a cluster". Pages and the API read stored state; nothing here calls an agent.
export type TClusterMemberView = {
  name: string;
  site: string;
  role: TNodeRole;
  /** ok | down | unknown | never (not polled yet) */
  status: string;
  reachable: boolean;
  error: string | null;
  timeline: number | null;
  lsn: string | null;
  lagBytes: number | null;
  lagSeconds: number | null;
  syncState: string | null;
  fenced: boolean;
  observedAt: string | null;
  ageSeconds: number | null;
  stale: boolean;
  agentUrl: string;
  /** Patroni members: the Vakt agent registered beside the member (its token is never returned); null = none */
  fenceAgentUrl: string | null;
  freeBytes: number | null;
  totalBytes: number | null;
  /** ISO stop time of the newest successful backup in the agent's backup catalog; null = none reported */
  lastBackupAt: string | null;
  /** backups in the agent's backup catalog; null = no catalog reported */
  backupCount: number | null;
  /** the agent's clock minus Vakt's database clock at the last poll (ms, corrected by half the round trip); null = not measured */
  clockSkewMs: number | null;
};
export type TClusterEventView = { id: string; at: string; kind: string; severity: string; member: string | null; message: string; data: unknown };
export type TClusterView = {
  name: string;
  kind: TClusterKind;
  epoch: number;
  /** the safety engine's cluster state (lib/safety deriveClusterState), the same one /safety reports */
  state: TClusterState;
  /** Patroni: maintenance (pause) mode as the freshest answering member reports it; null for Vakt agents or when unknown */
  paused: boolean | null;
  contexts: { slug: string; database: string | null; schema: string | null }[];
  members: TClusterMemberView[];
  events: TClusterEventView[];
  history?: TClusterHistory;
};

const include = {
  ...safetyClusterInclude,
  contexts: { include: { context: { select: { slug: true } } } },
};
type TClusterRow = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;
const loadCluster = (name: string) => db.cluster.findUnique({ where: { name }, include });

type TBackupPayload = { backups?: { backups?: Array<{ stoppedAt?: unknown; error?: unknown }> } | null };

/** Newest successful backup (stop time) and the number of backups in the agent's catalog. */
export function backupSummary(payload: unknown): { lastBackupAt: string | null; backupCount: number | null } {
  const list = (payload as TBackupPayload | null | undefined)?.backups?.backups;
  if (!Array.isArray(list)) return { lastBackupAt: null, backupCount: null };
  let newest: number | null = null;
  for (const b of list) {
    if (b?.error === true || typeof b?.stoppedAt !== 'string') continue;
    const t = Date.parse(b.stoppedAt);
    if (Number.isFinite(t) && (newest === null || t > newest)) newest = t;
  }
  return { lastBackupAt: newest === null ? null : new Date(newest).toISOString(), backupCount: list.length };
}

function shape(c: TClusterRow, input: TSafetyInput, events: TClusterEventView[], nowMs: number): TClusterView {
  const staleMs = env().VAKT_STALE_AFTER_MS;
  const members = c.members.map((m): TClusterMemberView => {
    const o = m.observation;
    const payload = o?.payload as { storage?: { freeBytes?: number; totalBytes?: number } } | null | undefined;
    const ageMs = o ? nowMs - o.observedAt.getTime() : null;
    return {
      name: m.name,
      site: m.site.name,
      role: (o?.role as TNodeRole) ?? 'unknown',
      status: o?.status ?? 'never',
      reachable: o?.status === 'ok',
      error: o ? o.error : 'not polled yet',
      timeline: o?.timeline ?? null,
      lsn: o ? (o.lsn ?? o.replayLsn ?? o.receiveLsn ?? null) : null,
      lagBytes: o?.lagBytes ?? null,
      lagSeconds: o?.lagSeconds ?? null,
      syncState: o?.syncState ?? null,
      fenced: o?.fenced ?? false,
      observedAt: o?.observedAt.toISOString() ?? null,
      ageSeconds: ageMs === null ? null : Math.max(0, Math.round(ageMs / 100) / 10),
      stale: ageMs === null || ageMs > staleMs,
      agentUrl: m.agentUrl,
      fenceAgentUrl: m.fenceAgentUrl ?? null,
      freeBytes: payload?.storage?.freeBytes ?? null,
      totalBytes: payload?.storage?.totalBytes ?? null,
      ...backupSummary(o?.payload),
      clockSkewMs: o?.clockSkewMs ?? null,
    };
  });
  const state = deriveClusterStateOf(input).state;
  const paused = c.kind === 'patroni' ? patroniPaused(c.members.map((m) => m.observation)) : null;
  return {
    name: c.name,
    kind: clusterKindFromDb(c.kind),
    epoch: c.epoch,
    state,
    paused,
    contexts: c.contexts.map((x) => ({ slug: x.context.slug, database: x.database, schema: x.schema })).sort((a, b) => a.slug.localeCompare(b.slug)),
    members,
    events,
  };
}

const eventView = (e: { id: bigint; at: Date; kind: string; severity: string; memberName: string | null; message: string; data: unknown }): TClusterEventView => ({
  id: String(e.id),
  at: e.at.toISOString(),
  kind: e.kind,
  severity: e.severity,
  member: e.memberName,
  message: e.message,
  data: e.data ?? null,
});

/** Every cluster with members and state (no events: see getCluster). */
export async function listClusters(): Promise<TClusterView[]> {
  const rows = await db.cluster.findMany({ include, orderBy: { name: 'asc' } });
  const inputs = await loadSafetyInputs({ rows }); // judged at the database's now()
  return rows.map((c, i) => shape(c, inputs[i].input, [], new Date(inputs[i].input.now).getTime()));
}

/** GET /api/v1/clusters/{name} query: `?history=<minutes of chart history>`, 1 to 31 days. */
export const ZClusterViewQuery = z.object({ history: z.coerce.number().int().min(1).max(60 * 24 * 31).optional() });
export const invalidHistory = () => new AppError('VALIDATION', 'history: minutes, 1 to 44640', { fields: [{ path: 'history', message: 'minutes, 1 to 44640' }] });

/** One cluster with members, state and its latest events; `historyMinutes` adds chart history. */
export async function getCluster(name: string, opts: { historyMinutes?: number; eventLimit?: number } = {}): Promise<TClusterView> {
  const c = await loadCluster(name);
  if (!c) throw notFound(`cluster ${name}`);
  const events = await db.clusterEvent.findMany({ where: { clusterId: c.id }, orderBy: { id: 'desc' }, take: opts.eventLimit ?? 50 });
  const [{ input }] = await loadSafetyInputs({ rows: [c] }); // judged at the database's now()
  const view = shape(c, input, events.map(eventView), new Date(input.now).getTime());
  if (opts.historyMinutes) view.history = await getClusterHistory(name, { sinceMinutes: opts.historyMinutes });
  return view;
}

export type THistoryPoint = { at: string; status: string; role: string; lagBytes: number | null; lagSeconds: number | null; freeBytes: number | null; totalBytes: number | null };
export type TClusterHistory = { sinceMinutes: number; members: { name: string; points: THistoryPoint[] }[] };

export const MAX_HISTORY_POINTS = 300;

/**
 * Samples per member for charts, downsampled in SQL to at most 300 buckets per member (max lag,
 * min free storage per bucket, so spikes and dips survive; the worst status of the bucket).
 */
export async function getClusterHistory(name: string, opts: { sinceMinutes: number }): Promise<TClusterHistory> {
  const sinceMinutes = Math.min(Math.max(1, Math.floor(opts.sinceMinutes)), 60 * 24 * 31);
  const c = await db.cluster.findUnique({ where: { name }, select: { id: true, members: { select: { id: true, name: true }, orderBy: { name: 'asc' } } } });
  if (!c) throw notFound(`cluster ${name}`);
  const bucketMs = Math.max(1000, Math.ceil((sinceMinutes * 60_000) / MAX_HISTORY_POINTS));
  const rows = await db.$queryRaw<{ memberId: string; at: Date; status: string; role: string; lagBytes: number | null; lagSeconds: number | null; freeBytes: number | null; totalBytes: number | null }[]>`
    SELECT s."memberId",
           to_timestamp(floor(extract(epoch FROM s."at") * 1000 / ${bucketMs}) * ${bucketMs} / 1000.0) AS "at",
           (array_agg(s."status" ORDER BY CASE s."status" WHEN 'unknown' THEN 0 WHEN 'down' THEN 1 ELSE 2 END))[1] AS "status",
           (array_agg(s."role" ORDER BY s."at" DESC))[1] AS "role",
           max(s."lagBytes") AS "lagBytes", max(s."lagSeconds") AS "lagSeconds",
           min(s."freeBytes") AS "freeBytes", max(s."totalBytes") AS "totalBytes"
    FROM "vakt"."ObservationSample" s
    WHERE s."memberId" IN (SELECT m.id FROM "vakt"."ClusterMember" m WHERE m."clusterId" = ${c.id})
      AND s."at" >= now() - make_interval(mins => ${sinceMinutes}::int)
    GROUP BY 1, 2
    ORDER BY 1, 2`;
  return {
    sinceMinutes,
    members: c.members.map((m) => ({
      name: m.name,
      points: rows
        .filter((r) => r.memberId === m.id)
        .slice(-MAX_HISTORY_POINTS)
        .map((r) => ({ at: r.at.toISOString(), status: r.status, role: r.role, lagBytes: r.lagBytes, lagSeconds: r.lagSeconds, freeBytes: r.freeBytes, totalBytes: r.totalBytes })),
    })),
  };
}

import { z } from 'zod';
import type { TClusterPolicy } from '@/lib/findings/cluster-policy';
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { AppError, notFound } from '@/lib/base/errors';
import { deriveClusterStateOf, type TClusterState, type TSafetyInput } from '@/lib/safety/engine';
import { loadSafetyInputs, safetyClusterInclude } from '@/lib/safety/load-safety-input';
import { clusterKindFromDb, type TClusterKind, type TNodeRole } from '@/lib/pg';
import { readHistory } from '@/lib/telemetry/history';
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
  /** the contexts' policies and the effective one the cluster must meet (stored by the worker; absent until computed, null = no declared context) */
  policy?: TClusterPolicy | null;
  /** read model (lib/readmodel): when the worker computed `state` (Vakt's database time); null = not computed yet */
  computedAt?: string | null;
  /** read model: the computation is older than the stale limit, so `state` reads UNKNOWN (never healthy) */
  stale?: boolean;
};

/** The rows a cluster view is shaped from (members with sites and latest observations, contexts). */
export const clusterViewInclude = {
  ...safetyClusterInclude,
  contexts: { include: { context: { select: { slug: true } } } },
};
const include = clusterViewInclude;
export type TClusterViewRow = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;
type TClusterRow = TClusterViewRow;
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

/** A member's age and staleness at `nowMs` (from its observedAt). */
export function memberAge(observedAt: string | null, nowMs: number, staleMs: number = env().VAKT_STALE_AFTER_MS): Pick<TClusterMemberView, 'ageSeconds' | 'stale'> {
  const ageMs = observedAt === null ? null : nowMs - Date.parse(observedAt);
  return { ageSeconds: ageMs === null ? null : Math.max(0, Math.round(ageMs / 100) / 10), stale: ageMs === null || ageMs > staleMs };
}

function shape(c: TClusterRow, input: TSafetyInput, events: TClusterEventView[], nowMs: number): TClusterView {
  return shapeClusterView(c, deriveClusterStateOf(input).state, events, nowMs);
}

/** The cluster view of stored rows with a given state (the read model stores it; fresh reads derive the state now). */
export function shapeClusterView(c: TClusterRow, state: TClusterState, events: TClusterEventView[], nowMs: number): TClusterView {
  const members = c.members.map((m): TClusterMemberView => {
    const o = m.observation;
    const payload = o?.payload as { storage?: { freeBytes?: number; totalBytes?: number } } | null | undefined;
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
      ...memberAge(o?.observedAt.toISOString() ?? null, nowMs),
      agentUrl: m.agentUrl,
      fenceAgentUrl: m.fenceAgentUrl ?? null,
      freeBytes: payload?.storage?.freeBytes ?? null,
      totalBytes: payload?.storage?.totalBytes ?? null,
      ...backupSummary(o?.payload),
      clockSkewMs: o?.clockSkewMs ?? null,
    };
  });
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

/** A cluster's latest events, newest first. */
export async function clusterEvents(clusterId: string, limit = 50): Promise<TClusterEventView[]> {
  return (await db.clusterEvent.findMany({ where: { clusterId }, orderBy: { id: 'desc' }, take: limit })).map(eventView);
}

/** GET /api/v1/clusters/{name} query: `?history=<minutes of chart history>`, 1 to 31 days. */
export const ZClusterViewQuery = z.object({ history: z.coerce.number().int().min(1).max(60 * 24 * 31).optional() });
export const invalidHistory = () => new AppError('VALIDATION', 'history: minutes, 1 to 44640', { fields: [{ path: 'history', message: 'minutes, 1 to 44640' }] });

/** One cluster with members, state and its latest events; `historyMinutes` adds chart history. */
export async function getCluster(name: string, opts: { historyMinutes?: number; eventLimit?: number } = {}): Promise<TClusterView> {
  const c = await loadCluster(name);
  if (!c) throw notFound(`cluster ${name}`);
  const events = await clusterEvents(c.id, opts.eventLimit);
  const [{ input }] = await loadSafetyInputs({ rows: [c] }); // judged at the database's now()
  const view = shape(c, input, events, new Date(input.now).getTime());
  if (opts.historyMinutes) view.history = await getClusterHistory(name, { sinceMinutes: opts.historyMinutes });
  return view;
}

export type THistoryPoint = { at: string; status: string; role: string; lagBytes: number | null; lagSeconds: number | null; freeBytes: number | null; totalBytes: number | null };
export type TClusterHistory = { sinceMinutes: number; members: { name: string; points: THistoryPoint[] }[] };

export const MAX_HISTORY_POINTS = 300;

/**
 * History per member for charts: at most 300 buckets per member (max lag, min free storage per
 * bucket, so spikes and dips survive; the worst status of the bucket), read from the history tier
 * that fits the range (lib/telemetry/history.ts: raw samples, per-minute or hourly rollups).
 */
export async function getClusterHistory(name: string, opts: { sinceMinutes: number }): Promise<TClusterHistory> {
  const sinceMinutes = Math.min(Math.max(1, Math.floor(opts.sinceMinutes)), 60 * 24 * 31);
  const c = await db.cluster.findUnique({ where: { name }, select: { id: true, members: { select: { id: true, name: true }, orderBy: { name: 'asc' } } } });
  if (!c) throw notFound(`cluster ${name}`);
  const { rows } = await readHistory(
    c.members.map((m) => m.id),
    { sinceMinutes, points: MAX_HISTORY_POINTS },
  );
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

// Maintenance mode per cluster (issue 15, docs/safety.md "Maintenance mode"): PUT/DELETE
// /api/v1/clusters/{name}/maintenance (operator, audited). While it lasts automatic failover is paused:
// automatic mode (automatic-mode.ts) creates no request and the executor does not start an automatic
// one; a Patroni cluster is paused as well (PATCH /config {pause: true}). The worker lifts it at `until`
// (liftExpiredMaintenance, every scan). Lifting resumes Patroni only when Vakt paused it and every
// context on the cluster declares automatic failover (otherwise Vakt requires pause mode:
// PATRONI_NOT_PAUSED). Planned switchovers stay possible: maintenance is when they are done.
import { db, dbNow, type TTransaction } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { systemActor, type TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { agentRequest } from '@/lib/base/net/agent-http';
import { joinUrl } from '@/lib/base/net/join-url';
import { AppError, notFound } from '@/lib/base/errors';
import { logger } from '@/lib/base/log';
import { lockCluster } from './locks';
import { memberToken } from './drivers/member-token';

export const MAINTENANCE_STARTED = 'maintenance-started';
export const MAINTENANCE_ENDED = 'maintenance-ended';
const MAX_MAINTENANCE_MS = 7 * 24 * 3600_000;

export type TMaintenance = { reason: string; until: string; since: string; by: string } | null;

type TClusterRow = { id: string; name: string; kind: string; maintenanceReason: string | null; maintenanceUntil: Date | null; maintenanceSince: Date | null; maintenanceBy: string | null };

/** The cluster's maintenance as reads show it (null: none, or already past `until` and about to be lifted). */
export function maintenanceOf(c: Pick<TClusterRow, 'maintenanceReason' | 'maintenanceUntil' | 'maintenanceSince' | 'maintenanceBy'>, now: Date): TMaintenance {
  if (!c.maintenanceUntil || c.maintenanceUntil <= now) return null;
  return { reason: c.maintenanceReason ?? '', until: c.maintenanceUntil.toISOString(), since: (c.maintenanceSince ?? c.maintenanceUntil).toISOString(), by: c.maintenanceBy ?? '' };
}

/** Whether automatic failover is paused for the cluster at `now` (Vakt's database time). */
export async function inMaintenance(clusterId: string, now: Date, client: Pick<typeof db, 'cluster'> = db): Promise<boolean> {
  const c = await client.cluster.findUnique({ where: { id: clusterId }, select: { maintenanceUntil: true } });
  return Boolean(c?.maintenanceUntil && c.maintenanceUntil > now);
}

export async function setMaintenance(opts: { actor: TActor; cluster: string; reason: string; until: Date }): Promise<{ cluster: string; maintenance: NonNullable<TMaintenance>; patroni: string | null }> {
  requireRole(opts.actor, 'operator');
  const found = await db.cluster.findUnique({ where: { name: opts.cluster }, select: { id: true } });
  if (!found) throw notFound(`cluster ${opts.cluster}`);
  const now = await dbNow();
  if (opts.until <= now) throw new AppError('VALIDATION', '`until` must lie in the future', { fields: [{ path: 'until', message: `after Vakt's now (${now.toISOString()})` }] });
  if (opts.until.getTime() - now.getTime() > MAX_MAINTENANCE_MS) throw new AppError('VALIDATION', 'maintenance lasts at most 7 days', { fields: [{ path: 'until', message: 'at most 7 days from now' }] });
  // Patroni first: a cluster Vakt could not pause is not reported as paused
  const cluster = await db.cluster.findUniqueOrThrow({ where: { id: found.id }, include: { members: true } });
  let patroni: string | null = null;
  let patroniWasPaused: boolean | null = null;
  if (cluster.kind === 'patroni') {
    patroniWasPaused = await patroniPaused(cluster.members);
    const r = await setPatroniPause(cluster.members, true);
    if (!r.ok) throw new AppError('UNAVAILABLE', `Patroni could not be paused: ${r.message}; maintenance not set`);
    patroni = 'paused';
  }
  const maintenance = await db.$transaction(async (tx) => {
    await lockCluster(tx, found.id);
    const before = await tx.cluster.findUniqueOrThrow({ where: { id: found.id } });
    const updated = await tx.cluster.update({ where: { id: found.id }, data: { maintenanceReason: opts.reason, maintenanceUntil: opts.until, maintenanceSince: before.maintenanceSince && before.maintenanceUntil && before.maintenanceUntil > now ? before.maintenanceSince : now, maintenanceBy: opts.actor.label } });
    await tx.clusterEvent.create({
      data: { clusterId: found.id, kind: MAINTENANCE_STARTED, severity: 'warning', message: `maintenance until ${opts.until.toISOString()} (${opts.actor.label}): ${opts.reason}; automatic failover paused`, data: { until: opts.until.toISOString(), patroniWasPaused } },
    });
    await audit(tx, { actor: opts.actor, action: 'cluster.maintenance_set', targetType: 'cluster', targetId: found.id, before: maintenanceOf(before, now), after: { reason: opts.reason, until: opts.until.toISOString(), patroni } });
    return maintenanceOf(updated, now)!;
  });
  return { cluster: opts.cluster, maintenance, patroni };
}

/** DELETE …/maintenance (an operator) or the worker at `until` (the system actor). Idempotent: not in maintenance -> lifted: false. */
export async function endMaintenance(opts: { actor: TActor; cluster: string; expired?: boolean; reason?: string }): Promise<{ cluster: string; lifted: boolean; patroni: string | null }> {
  if (!opts.expired) requireRole(opts.actor, 'operator');
  const found = await db.cluster.findUnique({ where: { name: opts.cluster }, include: { members: true, contexts: { include: { context: { include: { declarations: { orderBy: { createdAt: 'desc' }, take: 1 } } } } } } });
  if (!found) throw notFound(`cluster ${opts.cluster}`);
  const lifted = await db.$transaction(async (tx) => {
    await lockCluster(tx, found.id);
    const c = await tx.cluster.findUniqueOrThrow({ where: { id: found.id } });
    if (!c.maintenanceUntil) return null;
    await tx.cluster.update({ where: { id: found.id }, data: { maintenanceReason: null, maintenanceUntil: null, maintenanceSince: null, maintenanceBy: null } });
    const started = await lastStarted(tx, found.id);
    await tx.clusterEvent.create({ data: { clusterId: found.id, kind: MAINTENANCE_ENDED, severity: 'info', message: opts.expired ? `maintenance ended at ${c.maintenanceUntil.toISOString()}; automatic failover resumed` : `maintenance lifted by ${opts.actor.label}; automatic failover resumed` } });
    await audit(tx, { actor: opts.actor, action: opts.expired ? 'cluster.maintenance_expired' : 'cluster.maintenance_lifted', targetType: 'cluster', targetId: found.id, before: { reason: c.maintenanceReason, until: c.maintenanceUntil.toISOString() }, ...(opts.reason ? { after: { reason: opts.reason } } : {}) });
    return started;
  });
  if (!lifted) return { cluster: opts.cluster, lifted: false, patroni: null };
  let patroni: string | null = null;
  if (found.kind === 'patroni') {
    // never resume a cluster Vakt requires paused (a context not declaring automatic failover), nor one that was paused before
    const modes = found.contexts.map((cc) => failoverModeOf(cc.context.declarations[0]?.spec));
    const mustStayPaused = modes.length === 0 || modes.some((m) => m !== 'automatic');
    if (lifted.patroniWasPaused !== false || mustStayPaused) {
      patroni = mustStayPaused ? 'kept paused: a context on it does not declare automatic failover' : 'kept paused: it was paused before the maintenance';
    } else {
      const r = await setPatroniPause(found.members, false);
      patroni = r.ok ? 'resumed' : `resume failed: ${r.message}`;
    }
  }
  return { cluster: opts.cluster, lifted: true, patroni };
}

/** The worker: lifts every maintenance whose `until` passed (Vakt's database time). */
export async function liftExpiredMaintenance(): Promise<string[]> {
  const due = await db.$queryRaw<{ name: string }[]>`SELECT "name" FROM "vakt"."Cluster" WHERE "maintenanceUntil" IS NOT NULL AND "maintenanceUntil" <= now()`;
  for (const c of due) {
    try {
      await endMaintenance({ actor: systemActor('vakt-worker'), cluster: c.name, expired: true });
    } catch (e) {
      logger.warn({ err: (e as Error).message, cluster: c.name }, 'lifting maintenance failed');
    }
  }
  return due.map((c) => c.name);
}

async function lastStarted(tx: TTransaction, clusterId: string): Promise<{ patroniWasPaused: boolean | null }> {
  const e = await tx.clusterEvent.findFirst({ where: { clusterId, kind: MAINTENANCE_STARTED }, orderBy: { id: 'desc' }, select: { data: true } });
  const v = (e?.data as { patroniWasPaused?: unknown } | null)?.patroniWasPaused;
  return { patroniWasPaused: typeof v === 'boolean' ? v : null };
}

function failoverModeOf(spec: unknown): string | null {
  const f = (spec as { failover?: unknown } | null)?.failover;
  return typeof f === 'string' ? f : null;
}

type TPatroniMember = { name: string; agentUrl: string; agentTokenEnc: string | null };

async function patroniPaused(members: TPatroniMember[]): Promise<boolean | null> {
  for (const m of members) {
    try {
      const res = await agentRequest(joinUrl(m.agentUrl, '/cluster'), { auth: { basic: memberToken(m) }, timeoutMs: 5_000 });
      if (res.status === 200) return Boolean((JSON.parse(res.body) as { pause?: boolean }).pause);
    } catch {
      /* next member */
    }
  }
  return null;
}

/** PATCH /config {pause} on the first member that answers (the DCS holds it for the whole cluster). */
async function setPatroniPause(members: TPatroniMember[], pause: boolean): Promise<{ ok: boolean; message: string }> {
  let message = 'no member answered';
  for (const m of members) {
    try {
      const res = await agentRequest(joinUrl(m.agentUrl, '/config'), { method: 'PATCH', body: { pause }, auth: { basic: memberToken(m) }, timeoutMs: 10_000 });
      if (res.status >= 200 && res.status < 300) return { ok: true, message: 'ok' };
      message = `${m.name}: HTTP ${res.status} ${res.body.slice(0, 200)}`;
    } catch (e) {
      message = `${m.name}: ${(e as Error).message}`;
    }
  }
  return { ok: false, message };
}

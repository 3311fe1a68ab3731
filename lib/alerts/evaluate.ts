// One alert evaluation: the read model's answers (readAllClusters, the stored live findings) and the open
// promotion requests through the pure rule set (./rules.ts), applied under a lease (a transaction-level
// advisory lock: one worker at a time; a dead worker's lock goes with its connection). State is in the
// database (Alert rows), so a restarted worker continues the open alerts instead of firing them again;
// the partial unique index "Alert_one_open_per_key" makes a second open alert per key impossible.
import { db, dbNow, type TTransaction } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import type { TFinding } from '@/lib/findings/types';
import { readAllClusters } from '@/lib/readmodel/read';
import { freshness } from '@/lib/readmodel/freshness';
import { ALERT_RULES, alertConditions, heldScopes, isSilenced, stepAlerts, type TAlertInputs, type TAlertRuleName, type TSilenceMatch } from './rules';

const ALERT_LOCK_KEY = 0x7661_6b41; // "vakA"

async function loadAlertInputs(): Promise<TAlertInputs> {
  const e = env();
  const [clusters, contexts, promotions] = await Promise.all([
    readAllClusters(),
    db.$queryRawUnsafe<{ slug: string; computedAt: Date | null; findings: string | null; dbNow: Date }[]>(
      `SELECT b.slug, r."computedAt", r.findings::text AS findings, now() AS "dbNow"
         FROM "vakt"."BoundedContext" b LEFT JOIN "vakt"."ContextReadModel" r ON r."contextId" = b.id`,
    ),
    db.$queryRawUnsafe<{ cluster: string; status: string; candidate: string }[]>(
      `SELECT cluster, status, candidate FROM (
         SELECT DISTINCT ON (p."clusterId") c.name AS cluster, p.status::text AS status, p.candidate
           FROM "vakt"."PromotionRequest" p JOIN "vakt"."Cluster" c ON c.id = p."clusterId"
          ORDER BY p."clusterId", p."createdAt" DESC) latest
        WHERE status IN ('PENDING', 'FAILED')`,
    ),
  ]);
  return {
    clusters: clusters.map((c) => ({ name: c.name, state: c.state, stale: c.stale ?? true, members: c.members.map((m) => ({ name: m.name, status: m.status, stale: m.stale, clockSkewMs: m.clockSkewMs })) })),
    contexts: contexts.map((x) => ({
      slug: x.slug,
      stale: freshness(x.computedAt, x.dbNow, e.VAKT_STALE_AFTER_MS).stale,
      findings: x.findings ? (JSON.parse(x.findings) as TFinding[]) : [],
    })),
    promotions: promotions.map((p) => ({ cluster: p.cluster, status: p.status as 'PENDING' | 'FAILED', candidate: p.candidate })),
    maxClockSkewMs: e.VAKT_MAX_CLOCK_SKEW_MS,
  };
}

type TEvaluation = { evaluated: boolean; fired: string[]; resolved: string[] };

/** Fire and resolve alerts once (several workers: the one holding the lease does it; the others skip). */
export async function evaluateAlerts(): Promise<TEvaluation> {
  return db.$transaction(
    async (tx) => {
      const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${ALERT_LOCK_KEY}::bigint) AS locked`;
      if (!locked) return { evaluated: false, fired: [], resolved: [] };
      const inputs = await loadAlertInputs();
      const now = await dbNow(tx);
      const open = await tx.alert.findMany({ where: { state: 'firing' } });
      const steps = stepAlerts(open, alertConditions(inputs), heldScopes(inputs), now, env().VAKT_ALERT_HOLD_DOWN_SECONDS);
      const byKey = new Map(open.map((a) => [a.key, a]));
      const out: TEvaluation = { evaluated: true, fired: [], resolved: [] };
      const receivers = await tx.alertReceiver.findMany({ select: { id: true } });
      const silences = (await tx.silence.findMany({ where: { until: { gt: now } } })).map((s) => ({ match: s.match as TSilenceMatch, until: s.until }));
      for (const s of steps) {
        if (s.kind === 'fire') {
          const c = s.condition;
          const severity = ALERT_RULES[c.rule as TAlertRuleName].severity;
          const a = await tx.alert.create({ data: { key: c.key, rule: c.rule, severity, cluster: c.cluster, context: c.context, member: c.member, state: 'firing', message: c.message, firedAt: now, lastTrueAt: now } });
          const silenced = isSilenced(a, silences, now);
          if (receivers.length) await tx.alertDelivery.createMany({ data: receivers.map((r) => ({ alertId: a.id, receiverId: r.id, event: 'firing', status: silenced ? 'silenced' : 'pending', nextAttemptAt: now })) });
          out.fired.push(c.key);
        } else {
          const a = byKey.get(s.key)!;
          if (s.kind === 'keep') {
            if (a.clearSince || a.message !== s.message) await tx.alert.update({ where: { id: a.id }, data: { clearSince: null, lastTrueAt: now, message: s.message } });
          } else if (s.kind === 'clearing') {
            await tx.alert.update({ where: { id: a.id }, data: { clearSince: s.clearSince } });
          } else {
            await resolveAlert(tx, a.id, now);
            out.resolved.push(s.key);
          }
        }
      }
      return out;
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}

/** Resolved: one resolved notification to every receiver that was (or is being) told it fired. */
async function resolveAlert(tx: TTransaction, id: string, now: Date) {
  await tx.alert.update({ where: { id }, data: { state: 'resolved', resolvedAt: now } });
  const told = await tx.alertDelivery.findMany({ where: { alertId: id, event: 'firing', status: { in: ['pending', 'delivered'] } }, select: { receiverId: true } });
  if (told.length) await tx.alertDelivery.createMany({ data: told.map((d) => ({ alertId: id, receiverId: d.receiverId, event: 'resolved', status: 'pending', nextAttemptAt: now })), skipDuplicates: true });
}

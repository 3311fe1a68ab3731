// Sending what evaluateAlerts recorded: AlertDelivery rows are claimed with a lease (FOR UPDATE SKIP
// LOCKED: two workers never send the same one), sent side by side (one receiver's timeout never holds
// another's), and retried with exponential backoff; every attempt's status and error is recorded.
// Alertmanager receivers also get every firing alert re-sent each `resendSeconds` with endsAt ahead.
import { db, dbNow } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { logger } from '@/lib/base/log';
import { openSecret } from '@/lib/base/secret-box';
import { agentRequest } from '@/lib/base/net/agent-http';
import { joinUrl } from '@/lib/base/net/join-url';
import { alertmanagerAlert, inMaintenance, retryDelaySeconds, slackBody, switchoverDelivery, webhookBody, type TAlertRecord, type TSwitchoverWindow } from './payloads';
import { receiverAllowList, receiverMessage } from './receivers';

const MAX_ATTEMPTS = 12;
const LEASE_SECONDS = 30;
const TIMEOUT_MS = 5000;

type TReceiverRow = { id: string; kind: string; urlEnc: string; tokenEnc: string | null; resendSeconds: number };

const baseUrl = () => env().NEXTAUTH_URL ?? `http://localhost:${env().PORT}`;
const amEnds = (r: TReceiverRow) => 4 * r.resendSeconds;

function request(r: TReceiverRow, alerts: TAlertRecord[], event: 'firing' | 'resolved', now: Date): { url: string; body: unknown } {
  const url = openSecret(r.urlEnc);
  if (r.kind === 'alertmanager') return { url: joinUrl(url, '/api/v2/alerts'), body: alerts.map((a) => alertmanagerAlert(a, event, now, amEnds(r), baseUrl())) };
  if (r.kind === 'slack') return { url, body: slackBody(alerts[0], event, baseUrl()) };
  return { url, body: webhookBody(alerts[0], event, baseUrl()) };
}

/**
 * The alerts as delivered now: labelled "maintenance" where their cluster is in maintenance mode, or where
 * a planned switchover's write gap caused a primary-down alert (./payloads.ts switchoverDelivery); `wait`
 * = a primary-down alert whose switchover's outcome is not known yet: not sent before `until`. Read at
 * send time, so a window that starts or ends after an alert fired is told on the next send.
 */
async function withMaintenance(alerts: TAlertRecord[], now: Date): Promise<Array<TAlertRecord & { wait?: Date }>> {
  const names = [...new Set(alerts.map((a) => a.cluster).filter((c): c is string => !!c))];
  if (!names.length) return alerts;
  const rows = await db.cluster.findMany({ where: { name: { in: names }, maintenanceUntil: { gt: now } }, select: { name: true } });
  const set = new Set(rows.map((r) => r.name));
  const settleMs = env().VAKT_STALE_AFTER_MS;
  const earliest = new Date(Math.min(...alerts.map((a) => a.firedAt.getTime())) - settleMs);
  const windows = await db.$queryRawUnsafe<TSwitchoverWindow[]>(
    `SELECT c.name AS cluster, s.at AS "from", CASE WHEN p.status = 'EXECUTING' THEN NULL ELSE p."finishedAt" END AS until
       FROM "vakt"."PromotionRequest" p JOIN "vakt"."Cluster" c ON c.id = p."clusterId"
       JOIN LATERAL (SELECT min("at") AS at FROM "vakt"."PromotionStep" WHERE "promotionId" = p.id AND name = 'stop' AND status = 'started') s ON s.at IS NOT NULL
      WHERE c.name = ANY($1::text[]) AND p.kind = 'switchover'
        AND ((p.status = 'EXECUTING' AND p."executorLeaseUntil" > now())
             OR ((p.status = 'COMPLETED' OR (p.status = 'FAILED' AND p.outcome = 'rolled-back')) AND p."finishedAt" >= $2))`,
    names,
    earliest,
  );
  return alerts.map((a) => {
    const sw = switchoverDelivery(a, windows, now, settleMs);
    return { ...a, maintenance: inMaintenance(a, set) || sw.kind === 'maintenance', ...(sw.kind === 'wait' ? { wait: sw.until } : {}) };
  });
}

async function send(r: TReceiverRow, alerts: TAlertRecord[], event: 'firing' | 'resolved', now: Date): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  try {
    const { url, body } = request(r, alerts, event, now);
    const res = await agentRequest(url, { method: 'POST', body, allow: receiverAllowList(), auth: { bearer: r.tokenEnc ? openSecret(r.tokenEnc) : null }, timeoutMs: TIMEOUT_MS, maxBytes: 64 * 1024 });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
    return { ok: false, status: res.status, error: `HTTP ${res.status}: ${res.body.slice(0, 200)}` };
  } catch (e) {
    return { ok: false, status: null, error: receiverMessage(e as Error).slice(0, 500) };
  }
}

/** Claim due deliveries (a resolved one only after its firing one left pending) and send them. */
export async function deliverDue(opts: { workerId: string; limit?: number }): Promise<number> {
  const claimed = await db.$queryRawUnsafe<{ id: string }[]>(
    `UPDATE "vakt"."AlertDelivery" d SET "leaseOwner" = $1, "leaseUntil" = now() + ($2::int * interval '1 second')
      WHERE d.id IN (
        SELECT x.id FROM "vakt"."AlertDelivery" x
         WHERE x.status = 'pending' AND x."nextAttemptAt" <= now() AND (x."leaseUntil" IS NULL OR x."leaseUntil" < now())
           AND NOT (x.event = 'resolved' AND EXISTS (SELECT 1 FROM "vakt"."AlertDelivery" f
                     WHERE f."alertId" = x."alertId" AND f."receiverId" = x."receiverId" AND f.event = 'firing' AND f.status = 'pending'))
         ORDER BY x."nextAttemptAt" LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING d.id`,
    opts.workerId,
    LEASE_SECONDS,
    opts.limit ?? 50,
  );
  if (!claimed.length) return 0;
  const rows = await db.alertDelivery.findMany({ where: { id: { in: claimed.map((c) => c.id) } }, include: { alert: true, receiver: true } });
  const now = await dbNow();
  await Promise.all(
    rows.map(async (d) => {
      const [alert] = await withMaintenance([d.alert], now);
      if (alert.wait) {
        // a switchover's outcome decides whether this pages: back to pending until then (no attempt counted)
        await db.alertDelivery.updateMany({ where: { id: d.id, leaseOwner: opts.workerId }, data: { nextAttemptAt: alert.wait, leaseOwner: null, leaseUntil: null } });
        return;
      }
      const r = await send(d.receiver, [alert], d.event as 'firing' | 'resolved', now);
      const attempts = d.attempts + 1;
      const status = r.ok ? 'delivered' : attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
      if (!r.ok) logger.warn({ receiver: d.receiver.name, alert: d.alert.key, attempts, error: r.error }, 'alert delivery failed');
      await db.$executeRawUnsafe(
        `UPDATE "vakt"."AlertDelivery" SET status = $2, attempts = $3, "lastStatus" = $4, "lastError" = coalesce($5, "lastError"),
                "deliveredAt" = CASE WHEN $2 = 'delivered' THEN now() ELSE NULL END,
                "nextAttemptAt" = now() + ($6::float8 * interval '1 second'), "leaseOwner" = NULL, "leaseUntil" = NULL
          WHERE id = $1 AND "leaseOwner" = $7`,
        d.id,
        status,
        attempts,
        r.status,
        r.error,
        retryDelaySeconds(attempts),
        opts.workerId,
      );
    }),
  );
  return rows.length;
}

/** Alertmanager: every firing alert it was told about, again, before its endsAt passes (one worker per interval). */
export async function resendToAlertmanagers(): Promise<void> {
  const due = await db.$queryRawUnsafe<TReceiverRow[]>(
    `UPDATE "vakt"."AlertReceiver" SET "lastResendAt" = now()
      WHERE kind = 'alertmanager' AND ("lastResendAt" IS NULL OR "lastResendAt" < now() - ("resendSeconds" * interval '1 second'))
      RETURNING id, kind, "urlEnc", "tokenEnc", "resendSeconds"`,
  );
  const now = await dbNow();
  await Promise.all(
    due.map(async (r) => {
      const alerts = await db.alert.findMany({ where: { state: 'firing', deliveries: { some: { receiverId: r.id, event: 'firing', status: 'delivered' } } } });
      if (!alerts.length) return;
      const decided = (await withMaintenance(alerts, now)).filter((a) => !a.wait);
      if (!decided.length) return;
      const res = await send(r, decided, 'firing', now);
      if (!res.ok) logger.warn({ receiver: r.id, error: res.error }, 'alertmanager re-send failed');
    }),
  );
}

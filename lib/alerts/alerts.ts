// What the alerts page and /api/v1/alerts serve, and the operator's acts on alerts: acknowledge, silence.
import { z } from 'zod';
import { db, dbNow } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, notFound } from '@/lib/base/errors';
import { ALERT_RULE_NAMES, ALERT_RULES, alertLink, isSilenced, type TAlertRuleName, type TSilenceMatch } from './rules';

const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1 };
const RESOLVED_SHOWN_HOURS = 24;

export type TAlertView = {
  id: string;
  key: string;
  rule: string;
  severity: string;
  state: string;
  summary: string;
  message: string;
  action: string;
  link: string;
  cluster: string | null;
  context: string | null;
  member: string | null;
  firedAt: string;
  resolvedAt: string | null;
  clearing: boolean;
  acked: { at: string; by: string } | null;
  silenced: boolean;
  deliveries: Array<{ receiver: string; event: string; status: string; attempts: number; lastError: string | null }>;
};

/** Firing alerts, or those resolved in the last 24 h, critical first then newest. */
export async function listAlerts(state: 'firing' | 'resolved' = 'firing'): Promise<TAlertView[]> {
  const now = await dbNow();
  const where = state === 'firing' ? { state: 'firing' } : { state: 'resolved', resolvedAt: { gt: new Date(now.getTime() - RESOLVED_SHOWN_HOURS * 3_600_000) } };
  const [rows, silences] = await Promise.all([
    db.alert.findMany({ where, include: { deliveries: { include: { receiver: { select: { name: true } } }, orderBy: { createdAt: 'asc' } } }, orderBy: { firedAt: 'desc' }, take: 500 }),
    activeSilences(now),
  ]);
  return rows
    .map((a) => {
      const rule = ALERT_RULES[a.rule as TAlertRuleName];
      return {
        id: a.id,
        key: a.key,
        rule: a.rule,
        severity: a.severity,
        state: a.state,
        summary: rule?.summary ?? a.rule,
        message: a.message,
        action: rule?.action ?? '',
        link: alertLink(a),
        cluster: a.cluster,
        context: a.context,
        member: a.member,
        firedAt: a.firedAt.toISOString(),
        resolvedAt: a.resolvedAt?.toISOString() ?? null,
        clearing: a.clearSince !== null,
        acked: a.ackedAt ? { at: a.ackedAt.toISOString(), by: a.ackedBy ?? '' } : null,
        silenced: a.state === 'firing' && isSilenced(a, silences, now),
        deliveries: a.deliveries.map((d) => ({ receiver: d.receiver.name, event: d.event, status: d.status, attempts: d.attempts, lastError: d.lastError })),
      };
    })
    .sort((x, y) => (SEVERITY_ORDER[x.severity] ?? 9) - (SEVERITY_ORDER[y.severity] ?? 9));
}

async function activeSilences(now: Date) {
  return (await db.silence.findMany({ where: { until: { gt: now } } })).map((s) => ({ match: s.match as TSilenceMatch, until: s.until }));
}

/** Operator: acknowledge a firing alert (someone is on it); audited. */
export async function ackAlert(opts: { actor: TActor; id: string }): Promise<{ id: string; ackedAt: string }> {
  requireRole(opts.actor, 'operator');
  return db.$transaction(async (tx) => {
    const a = await tx.alert.findUnique({ where: { id: opts.id } });
    if (!a) throw notFound(`alert ${opts.id}`);
    if (a.state !== 'firing') throw conflict(`alert ${a.key} is ${a.state}; only a firing alert is acknowledged`);
    const now = await dbNow(tx);
    await tx.alert.update({ where: { id: a.id }, data: { ackedAt: now, ackedBy: opts.actor.label } });
    await audit(tx, { actor: opts.actor, action: 'alert.acknowledged', targetType: 'alert', targetId: a.key, after: { id: a.id, ackedAt: now.toISOString() } });
    return { id: a.id, ackedAt: now.toISOString() };
  });
}

const name = z.string().trim().min(1).max(200);
export const ZSilenceInput = z.strictObject({
  match: z
    .strictObject({ rule: z.enum(ALERT_RULE_NAMES).optional(), cluster: name.optional(), context: name.optional(), member: name.optional(), severity: z.enum(['critical', 'warning']).optional() })
    .refine((m) => Object.values(m).some((v) => v !== undefined), 'name at least one of rule, cluster, context, member, severity'),
  until: z.iso.datetime({ offset: true, error: 'an ISO 8601 time, e.g. 2026-12-01T18:00:00Z' }),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
});
export type TSilenceInput = z.input<typeof ZSilenceInput>;
export type TSilenceView = { id: string; match: TSilenceMatch; until: string; reason: string; createdBy: string; createdAt: string };

const MAX_SILENCE_DAYS = 14;

/** Operator: silence matching alerts until a time (at most 14 days ahead); audited. Split brain is never silenced. */
export async function createSilence(opts: { actor: TActor; input: TSilenceInput }): Promise<TSilenceView> {
  requireRole(opts.actor, 'operator');
  const input = ZSilenceInput.parse(opts.input);
  if (input.match.rule === 'split_brain') throw new AppError('VALIDATION', 'split brain is never silenced: fence all primaries but one');
  const until = new Date(input.until);
  return db.$transaction(async (tx) => {
    const now = await dbNow(tx);
    if (until.getTime() <= now.getTime()) throw new AppError('VALIDATION', `until ${input.until} is in the past`);
    if (until.getTime() > now.getTime() + MAX_SILENCE_DAYS * 86_400_000) throw new AppError('VALIDATION', `until is more than ${MAX_SILENCE_DAYS} days ahead`);
    const s = await tx.silence.create({ data: { match: input.match, until, reason: input.reason, createdById: opts.actor.id, createdByLabel: opts.actor.label } });
    const view = { id: s.id, match: input.match, until: until.toISOString(), reason: s.reason, createdBy: s.createdByLabel, createdAt: s.createdAt.toISOString() };
    await audit(tx, { actor: opts.actor, action: 'silence.created', targetType: 'silence', targetId: s.id, after: view });
    return view;
  });
}

/** Silences not yet expired (expiry is enforced where they are applied: evaluate and this read compare `until` with now). */
export async function listSilences(): Promise<TSilenceView[]> {
  const rows = await db.silence.findMany({ where: { until: { gt: await dbNow() } }, orderBy: { until: 'asc' } });
  return rows.map((s) => ({ id: s.id, match: s.match as TSilenceMatch, until: s.until.toISOString(), reason: s.reason, createdBy: s.createdByLabel, createdAt: s.createdAt.toISOString() }));
}

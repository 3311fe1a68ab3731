// What each receiver kind is sent (pure): Alertmanager's POST /api/v2/alerts body (as Prometheus sends
// it), a generic webhook JSON, and a Slack incoming-webhook message.
import { ALERT_RULES, alertLink, type TAlertRuleName } from './rules';

export type TReceiverKind = 'alertmanager' | 'webhook' | 'slack';
export const RECEIVER_KINDS: TReceiverKind[] = ['alertmanager', 'webhook', 'slack'];

export type TAlertRecord = {
  id: string;
  key: string;
  rule: string;
  severity: string;
  cluster: string | null;
  context: string | null;
  member: string | null;
  state: string;
  message: string;
  firedAt: Date;
  resolvedAt: Date | null;
  /** when its condition stopped holding (it resolves after the rule's hold-down); null/absent = it holds */
  clearSince?: Date | null;
  /** the cluster is in maintenance mode (issue 15) and the rule may be muted (never split brain): receivers are told */
  maintenance?: boolean;
};

/** Whether an alert is delivered labelled "maintenance": its cluster is in maintenance mode and its rule can be silenced (split brain never). */
export function inMaintenance(a: Pick<TAlertRecord, 'rule' | 'cluster'>, clustersInMaintenance: ReadonlySet<string>): boolean {
  return !!a.cluster && clustersInMaintenance.has(a.cluster) && (ALERT_RULES[a.rule as TAlertRuleName]?.silenceable ?? true);
}

/**
 * A planned switchover's transition, for the maintenance label: from its `stop` step (the write gap
 * begins) until it ended (null = still EXECUTING under a live executor lease). Only switchovers that are
 * executing, completed or rolled back count: one that failed otherwise may have left the cluster without a
 * primary, and that pages.
 */
export type TSwitchoverWindow = { cluster: string; from: Date; until: Date | null };

/**
 * How a primary-down alert is sent with respect to planned switchovers (Vakt's database times):
 * - `page`: not caused by a switchover (another rule, fired outside every window): no label from it;
 * - `wait`: fired in a switchover's window whose outcome is not known yet (still executing, or ended less
 *   than `settleMs` ago — the read model's staleness bound: the state it fired from may predate the end —
 *   with its condition still holding): sent once that is known, at `until`;
 * - `maintenance`: the switchover ended (completed or rolled back) and the alert's condition is gone
 *   (clearing in its hold-down, or resolved): it was the write gap; delivered labelled maintenance.
 * A condition still holding once the switchover ended and settled pages unlabelled (fail closed: a primary
 * really down after a switchover is never muted); split brain and every other rule are never touched.
 */
export function switchoverDelivery(
  a: Pick<TAlertRecord, 'rule' | 'cluster' | 'firedAt' | 'state' | 'clearSince'>,
  windows: readonly TSwitchoverWindow[],
  now: Date,
  settleMs: number,
): { kind: 'page' } | { kind: 'maintenance' } | { kind: 'wait'; until: Date } {
  if (a.rule !== 'primary_down' || !a.cluster) return { kind: 'page' };
  const t = a.firedAt.getTime();
  const w = windows.find((x) => x.cluster === a.cluster && t >= x.from.getTime() && (x.until === null || t <= x.until.getTime() + settleMs));
  if (!w) return { kind: 'page' };
  if (w.until === null) return { kind: 'wait', until: new Date(now.getTime() + 1000) };
  const cleared = a.state === 'resolved' || !!a.clearSince;
  if (cleared) return { kind: 'maintenance' };
  const settled = w.until.getTime() + settleMs;
  return now.getTime() < settled ? { kind: 'wait', until: new Date(settled) } : { kind: 'page' };
}

/** Seconds before attempt n+1 after n failed ones: 1, 2, 4, … capped at 5 minutes. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** Math.max(0, attempts - 1));

const ruleOf = (a: TAlertRecord) => ALERT_RULES[a.rule as TAlertRuleName];
const summaryOf = (a: TAlertRecord) => ruleOf(a)?.summary ?? a.rule;
const target = (a: TAlertRecord) => a.context ?? (a.member ? `${a.cluster}/${a.member}` : a.cluster) ?? '';

/** Alertmanager (POST /api/v2/alerts): firing with endsAt ahead (re-sent before it passes), resolved with endsAt now. */
export function alertmanagerAlert(a: TAlertRecord, event: 'firing' | 'resolved', now: Date, endsInSeconds: number, baseUrl: string) {
  const labels: Record<string, string> = { alertname: ruleOf(a) ? toAlertName(a.rule) : a.rule, severity: a.severity, rule: a.rule, source: 'vakt' };
  if (a.cluster) labels.cluster = a.cluster;
  if (a.context) labels.context = a.context;
  if (a.member) labels.member = a.member;
  if (a.maintenance) labels.maintenance = 'true';
  return {
    labels,
    annotations: { summary: `${summaryOf(a)}: ${target(a)}`, description: a.message, action: ruleOf(a)?.action ?? '' },
    startsAt: a.firedAt.toISOString(),
    endsAt: event === 'resolved' ? (a.resolvedAt ?? now).toISOString() : new Date(now.getTime() + endsInSeconds * 1000).toISOString(),
    generatorURL: baseUrl.replace(/\/+$/, '') + alertLink(a),
  };
}

/** primary_down -> VaktPrimaryDown (the alertname Alertmanager routes on; the same names as deploy/prometheus/vakt-rules.yml). */
export function toAlertName(rule: string): string {
  return 'Vakt' + rule.split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/** Generic webhook: one POST when an alert fires, one when it resolves. */
export function webhookBody(a: TAlertRecord, event: 'firing' | 'resolved', baseUrl: string) {
  return {
    version: 1,
    event,
    alert: {
      id: a.id,
      key: a.key,
      rule: a.rule,
      alertname: toAlertName(a.rule),
      severity: a.severity,
      cluster: a.cluster,
      context: a.context,
      member: a.member,
      maintenance: a.maintenance ?? false,
      summary: summaryOf(a),
      message: a.message,
      action: ruleOf(a)?.action ?? '',
      link: baseUrl.replace(/\/+$/, '') + alertLink(a),
      firedAt: a.firedAt.toISOString(),
      resolvedAt: event === 'resolved' ? (a.resolvedAt?.toISOString() ?? null) : null,
    },
  };
}

/** Slack incoming webhook: `text` (the notification line) and one mrkdwn section block. */
export function slackBody(a: TAlertRecord, event: 'firing' | 'resolved', baseUrl: string) {
  const m = a.maintenance ? ' · maintenance' : '';
  const head = event === 'firing' ? `:rotating_light: [FIRING · ${a.severity}${m}] ${summaryOf(a)}: ${target(a)}` : `:white_check_mark: [RESOLVED${m}] ${summaryOf(a)}: ${target(a)}`;
  const link = baseUrl.replace(/\/+$/, '') + alertLink(a);
  const body = event === 'firing' ? `${a.message}\n*What to do:* ${ruleOf(a)?.action ?? ''}` : a.message;
  return { text: head, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${head}*\n${body}\n<${link}|Open in Vakt>` } }] };
}

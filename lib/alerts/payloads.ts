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
 * A primary-down alert a planned switchover caused (its write gap): it fired in the switchover's window,
 * and the switchover is still executing, or the alert's condition is gone (clearing in its hold-down, or
 * resolved). A primary-down alert whose condition still holds after the switchover ended pages like any
 * other; no other rule is muted this way (split brain never).
 */
export function causedBySwitchover(a: Pick<TAlertRecord, 'rule' | 'cluster' | 'firedAt' | 'state' | 'clearSince'>, windows: readonly TSwitchoverWindow[]): boolean {
  if (a.rule !== 'primary_down' || !a.cluster) return false;
  const t = a.firedAt.getTime();
  const cleared = a.state === 'resolved' || !!a.clearSince;
  return windows.some((w) => w.cluster === a.cluster && t >= w.from.getTime() && (w.until === null || (cleared && t <= w.until.getTime())));
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

// The one rule set (pure): which alerts are open, derived from what the read model already concluded
// (live finding codes, cluster states, member staleness and clock skew) and from promotion requests;
// never a second set of conditions. A new finding code alerts by adding one row to FINDING_RULES.
// No clock and no I/O here: `now` is an input (lib/alerts/evaluate.ts loads and stores).
import type { TFinding } from '@/lib/findings/types';
import type { TClusterState } from '@/lib/safety/engine';

export type TAlertSeverity = 'critical' | 'warning';
export type TAlertScope = 'cluster' | 'context' | 'member';

export type TAlertRule = {
  severity: TAlertSeverity;
  scope: TAlertScope;
  /** what fires it, in words (README's alert table) */
  condition: string;
  /** the condition must be clear this long before the alert resolves (a return within it continues the same alert) */
  holdDownSeconds: number;
  summary: string;
  /** what an operator does about it */
  action: string;
  /** false: never silenced or muted (split brain) */
  silenceable: boolean;
};

export const ALERT_RULES = {
  primary_down: { severity: 'critical', scope: 'cluster', condition: 'cluster state PRIMARY_DOWN', holdDownSeconds: 60, summary: 'Primary down', action: 'Open the cluster page: check the safety panel; promote the best candidate if its verdict allows, or restore the primary.', silenceable: true },
  split_brain: { severity: 'critical', scope: 'cluster', condition: 'cluster state SPLIT_BRAIN', holdDownSeconds: 120, summary: 'Split brain: more than one writable primary', action: 'Fence every primary but one now (cluster page: the fence target); writes to the others are lost.', silenceable: false },
  promotion_waiting_approval: { severity: 'warning', scope: 'cluster', condition: 'a promotion request is PENDING approval', holdDownSeconds: 0, summary: 'Promotion waiting for approval', action: 'Open the promotion: approve or reject it before it expires.', silenceable: true },
  promotion_failed: { severity: 'critical', scope: 'cluster', condition: "the cluster's latest promotion request FAILED", holdDownSeconds: 0, summary: 'Promotion failed', action: 'Open the promotion: read the failed step and the cluster state; request a new promotion or repair by hand.', silenceable: true },
  lag_above_rpo: { severity: 'warning', scope: 'context', condition: 'live finding LAG_ABOVE_RPO', holdDownSeconds: 120, summary: 'Replica lag above the RPO bound', action: 'Check replica load and the network between sites; a failover now would lose more than the RPO allows.', silenceable: true },
  backup_too_old: { severity: 'critical', scope: 'context', condition: 'live finding NO_BACKUP or BACKUP_TOO_OLD', holdDownSeconds: 300, summary: 'No recent full backup', action: 'Check the backup schedule and the pgBackRest log on the primary; run a full backup.', silenceable: true },
  backup_errors: { severity: 'critical', scope: 'context', condition: 'live finding BACKUP_HAS_ERRORS', holdDownSeconds: 300, summary: 'Backup has errors', action: 'Read the backup in the pgBackRest catalog; take a new full backup and verify it.', silenceable: true },
  wal_archiving_failing: { severity: 'critical', scope: 'context', condition: 'live finding WAL_ARCHIVING_FAILING', holdDownSeconds: 60, summary: 'WAL archiving failing', action: "Read archive_command's errors in the primary's PostgreSQL log; fix the repository or its credentials. Point-in-time recovery falls behind until then.", silenceable: true },
  drill_overdue: { severity: 'warning', scope: 'context', condition: 'live finding DRILL_OVERDUE', holdDownSeconds: 300, summary: 'Restore drill overdue', action: 'Run a restore drill (context page): an untested backup is not trustworthy.', silenceable: true },
  drill_failed: { severity: 'critical', scope: 'context', condition: 'live finding DRILL_FAILED', holdDownSeconds: 300, summary: 'Restore drill failed', action: "Read the failed drill's steps; fix the backup or the restore procedure and run it again.", silenceable: true },
  restore_slower_than_rto: { severity: 'warning', scope: 'context', condition: 'live finding RESTORE_SLOWER_THAN_RTO', holdDownSeconds: 300, summary: 'Restore slower than the RTO bound', action: 'A restore takes longer than the RTO allows: make backups incremental, add a replica, or declare a realistic RTO class.', silenceable: true },
  storage_risk: { severity: 'warning', scope: 'context', condition: 'live finding STORAGE_RISK', holdDownSeconds: 300, summary: 'Storage nearly full', action: 'Grow the volume or free space (WAL retention, old backups) before PostgreSQL stops.', silenceable: true },
  agent_stale: { severity: 'warning', scope: 'member', condition: 'a member observed before is not observed within VAKT_STALE_AFTER_MS, or its agent does not answer (status unknown)', holdDownSeconds: 60, summary: 'Agent stale', action: "Check the node's agent process and the network from Vakt's workers; its state is unknown until it answers.", silenceable: true },
  clock_skew: { severity: 'warning', scope: 'member', condition: "a member's clock more than VAKT_MAX_CLOCK_SKEW_MS from Vakt's", holdDownSeconds: 120, summary: 'Clock skew', action: "Fix NTP on the node: Vakt reads its observations as unknown while its clock is off.", silenceable: true },
} as const satisfies Record<string, TAlertRule>;

export type TAlertRuleName = keyof typeof ALERT_RULES;
export const ALERT_RULE_NAMES = Object.keys(ALERT_RULES) as TAlertRuleName[];

/** The one mapping from live finding codes to alert rules (codes of issue 13's drills included). */
export const FINDING_RULES: Record<string, TAlertRuleName> = {
  LAG_ABOVE_RPO: 'lag_above_rpo',
  NO_BACKUP: 'backup_too_old',
  BACKUP_TOO_OLD: 'backup_too_old',
  BACKUP_HAS_ERRORS: 'backup_errors',
  WAL_ARCHIVING_FAILING: 'wal_archiving_failing',
  DRILL_OVERDUE: 'drill_overdue',
  DRILL_FAILED: 'drill_failed',
  RESTORE_SLOWER_THAN_RTO: 'restore_slower_than_rto',
  STORAGE_RISK: 'storage_risk',
};

/** Cluster states that are alerts of their own. */
export const STATE_RULES: Partial<Record<TClusterState, TAlertRuleName>> = { PRIMARY_DOWN: 'primary_down', SPLIT_BRAIN: 'split_brain' };

export type TAlertInputs = {
  /** clusters as the read model serves them; `stale` (or never computed) = unknown: their alerts are held */
  clusters: Array<{
    name: string;
    state: TClusterState;
    stale: boolean;
    /** status: ok | down | unknown | never (not polled yet: no alert until its first poll) */
    members: Array<{ name: string; status: string; stale: boolean; clockSkewMs: number | null }>;
  }>;
  contexts: Array<{ slug: string; stale: boolean; findings: TFinding[] }>;
  /** open (PENDING) and latest-failed promotion requests */
  promotions: Array<{ cluster: string; status: 'PENDING' | 'FAILED'; candidate: string }>;
  maxClockSkewMs: number;
};

export type TCondition = { key: string; rule: TAlertRuleName; cluster: string | null; context: string | null; member: string | null; message: string };

export function alertKey(rule: TAlertRuleName, target: { cluster?: string | null; context?: string | null; member?: string | null }): string {
  const scope = ALERT_RULES[rule].scope;
  const name = scope === 'context' ? target.context : scope === 'member' ? `${target.cluster}/${target.member}` : target.cluster;
  return `${rule}/${scope}/${name}`;
}

/** The scopes whose data is unknown now (stale read model): their open alerts neither fire nor resolve. */
export function heldScopes(inputs: TAlertInputs): Set<string> {
  const held = new Set<string>();
  for (const c of inputs.clusters) if (c.stale) held.add(`cluster:${c.name}`);
  for (const c of inputs.contexts) if (c.stale) held.add(`context:${c.slug}`);
  return held;
}

export const scopeOf = (a: { cluster: string | null; context: string | null }): string => (a.context !== null ? `context:${a.context}` : `cluster:${a.cluster}`);

/** Every condition true now (one per key). */
export function alertConditions(inputs: TAlertInputs): TCondition[] {
  const out = new Map<string, TCondition>();
  const add = (rule: TAlertRuleName, t: { cluster?: string; context?: string; member?: string }, message: string) => {
    const key = alertKey(rule, t);
    const prev = out.get(key);
    if (prev) prev.message = `${prev.message} ${message}`;
    else out.set(key, { key, rule, cluster: t.cluster ?? null, context: t.context ?? null, member: t.member ?? null, message });
  };
  for (const c of inputs.clusters) {
    if (c.stale) continue;
    const stateRule = STATE_RULES[c.state];
    if (stateRule) add(stateRule, { cluster: c.name }, `Cluster ${c.name} is ${c.state}.`);
    for (const m of c.members) {
      if (m.status !== 'never' && (m.stale || m.status === 'unknown')) add('agent_stale', { cluster: c.name, member: m.name }, m.stale ? `${c.name}/${m.name} has not been observed within the stale limit.` : `${c.name}/${m.name}'s agent does not answer.`);
      else if (m.clockSkewMs !== null && Math.abs(m.clockSkewMs) > inputs.maxClockSkewMs) add('clock_skew', { cluster: c.name, member: m.name }, `${c.name}/${m.name}'s clock is ${Math.round(m.clockSkewMs)} ms off (limit ${inputs.maxClockSkewMs} ms).`);
    }
  }
  for (const x of inputs.contexts) {
    if (x.stale) continue;
    for (const f of x.findings) {
      const rule = FINDING_RULES[f.code];
      if (rule) add(rule, { context: x.slug }, f.message);
    }
  }
  for (const p of inputs.promotions) {
    add(p.status === 'PENDING' ? 'promotion_waiting_approval' : 'promotion_failed', { cluster: p.cluster }, `Promotion of ${p.cluster}/${p.candidate} ${p.status === 'PENDING' ? 'is waiting for approval' : 'failed'}.`);
  }
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export type TOpenAlert = { key: string; rule: string; cluster: string | null; context: string | null; lastTrueAt: Date; clearSince: Date | null };
export type TAlertStep =
  | { kind: 'fire'; condition: TCondition }
  | { kind: 'keep'; key: string; message: string }
  | { kind: 'clearing'; key: string; clearSince: Date }
  | { kind: 'resolve'; key: string };

const holdDownMs = (rule: string, override: number | undefined) => 1000 * (override ?? (ALERT_RULES[rule as TAlertRuleName]?.holdDownSeconds ?? 0));

/**
 * One evaluation: conditions now against the open alerts. A condition without an open alert fires; an
 * open alert whose condition holds is kept (its clearing cancelled); one whose condition is gone starts
 * clearing and resolves once clear for the rule's hold-down; a held scope changes nothing.
 */
export function stepAlerts(open: TOpenAlert[], conditions: TCondition[], held: Set<string>, now: Date, holdDownOverrideSeconds?: number): TAlertStep[] {
  const byKey = new Map(conditions.map((c) => [c.key, c]));
  const openKeys = new Set(open.map((a) => a.key));
  const steps: TAlertStep[] = [];
  for (const c of conditions) if (!openKeys.has(c.key)) steps.push({ kind: 'fire', condition: c });
  for (const a of open) {
    const c = byKey.get(a.key);
    if (c) steps.push({ kind: 'keep', key: a.key, message: c.message });
    else if (held.has(scopeOf(a))) continue;
    else {
      const since = a.clearSince ?? now;
      if (now.getTime() - since.getTime() >= holdDownMs(a.rule, holdDownOverrideSeconds)) steps.push({ kind: 'resolve', key: a.key });
      else if (!a.clearSince) steps.push({ kind: 'clearing', key: a.key, clearSince: now });
    }
  }
  return steps;
}

export type TSilenceMatch = { rule?: string; cluster?: string; context?: string; member?: string; severity?: string };
type TMatchable = { rule: string; severity: string; cluster: string | null; context: string | null; member: string | null };

/** Does an active silence cover this alert? Split brain (silenceable: false) never is. */
export function isSilenced(alert: TMatchable, silences: Array<{ match: TSilenceMatch; until: Date }>, now: Date): boolean {
  if (ALERT_RULES[alert.rule as TAlertRuleName]?.silenceable === false) return false;
  return silences.some((s) => s.until.getTime() > now.getTime() && (Object.keys(s.match) as (keyof TSilenceMatch)[]).every((k) => s.match[k] === undefined || s.match[k] === alert[k]));
}

/** The page that shows an alert's cause. */
export function alertLink(a: { cluster: string | null; context: string | null; rule: string }): string {
  if (a.context !== null) return `/contexts/${encodeURIComponent(a.context)}`;
  return `/clusters/${encodeURIComponent(a.cluster ?? '')}`;
}

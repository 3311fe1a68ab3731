// Pure: what needs a person now (the overview at `/`, GET /api/v1/overview). The read function
// (./overview.ts) gathers stored rows in a fixed number of queries; this turns them into one ordered
// list, each item with the page that acts on it. No I/O: a table test (attention.test.ts) pins it.
import type { TClusterListItem } from './list';

/** The kinds, in the order the list shows them (what costs most first). */
export const ATTENTION_KINDS = [
  'Split brain',
  'Primary down',
  'Promotion awaiting approval',
  'Switchover awaiting approval',
  'Rejoin awaiting approval',
  'Alert firing',
  'Drill failed',
  'Drill overdue',
  'Backups untrusted',
  'Declaration proposal',
] as const;
export type TAttentionKind = (typeof ATTENTION_KINDS)[number];

export type TAttentionItem = {
  kind: TAttentionKind;
  /** the cluster or context it is about */
  subject: string;
  subjectKind: 'cluster' | 'context';
  /** one line: what is wrong or what waits */
  detail: string;
  /** the page that acts on it */
  href: string;
  /** when it started (ISO), when known */
  since: string | null;
  severity: 'critical' | 'warning';
};

export type TAttentionInput = {
  clusters: Array<Pick<TClusterListItem, 'name' | 'state' | 'stale'>>;
  /** PENDING promotion requests (failover and switchover) */
  promotions: Array<{ id: string; cluster: string; candidate: string; kind: string; approvals: number; approvalsRequired: number; createdAt: string }>;
  /** PENDING rejoin requests */
  rejoins: Array<{ id: string; cluster: string; member: string; createdAt: string }>;
  /** firing alerts; `message` is what fired (never the rule's summary, so an item never carries another kind's label) */
  alerts: Array<{ id: string; rule: string; severity: string; message: string; cluster: string | null; context: string | null; firedAt: string }>;
  /** each cluster's latest finished drill, when it FAILED or TIMED_OUT */
  failedDrills: Array<{ id: string; cluster: string; status: string; error: string | null; finishedAt: string | null }>;
  /** stored live findings of contexts: DRILL_OVERDUE, BACKUPS_UNTRUSTED (fresh computations only) */
  findings: Array<{ context: string; code: string; message: string }>;
  /** contexts with a pending declaration proposal */
  proposals: Array<{ context: string; version: number; author: string; createdAt: string }>;
};

const enc = encodeURIComponent;
const clusterHref = (name: string) => `/clusters/${enc(name)}`;
const contextHref = (slug: string) => `/contexts/${enc(slug)}`;
const FINDING_KIND: Record<string, TAttentionKind> = { DRILL_OVERDUE: 'Drill overdue', BACKUPS_UNTRUSTED: 'Backups untrusted' };

/** Every item, most urgent kind first; within a kind the oldest first, then by name. */
export function attentionList(input: TAttentionInput): TAttentionItem[] {
  const out: TAttentionItem[] = [];
  for (const c of input.clusters) {
    if (c.stale) continue; // a stale state reads UNKNOWN (the fleet table says so); it is never a verdict here
    if (c.state === 'SPLIT_BRAIN')
      out.push({ kind: 'Split brain', subject: c.name, subjectKind: 'cluster', detail: 'More than one member may take writes: every promotion is blocked; fence the one that must not.', href: clusterHref(c.name), since: null, severity: 'critical' });
    if (c.state === 'PRIMARY_DOWN')
      out.push({ kind: 'Primary down', subject: c.name, subjectKind: 'cluster', detail: 'No member answers as a writable primary: see the promotion safety panel.', href: clusterHref(c.name), since: null, severity: 'critical' });
  }
  for (const p of input.promotions) {
    const switchover = p.kind === 'switchover';
    out.push({
      kind: switchover ? 'Switchover awaiting approval' : 'Promotion awaiting approval',
      subject: p.cluster,
      subjectKind: 'cluster',
      detail: `${switchover ? 'Switch over' : 'Promote'} to ${p.candidate}: ${p.approvals} of ${p.approvalsRequired} approval${p.approvalsRequired === 1 ? '' : 's'}.`,
      href: `/promotions/${enc(p.id)}`,
      since: p.createdAt,
      severity: switchover ? 'warning' : 'critical',
    });
  }
  for (const r of input.rejoins)
    out.push({ kind: 'Rejoin awaiting approval', subject: r.cluster, subjectKind: 'cluster', detail: `Rejoin ${r.member} as a replica: needs a second operator's approval.`, href: clusterHref(r.cluster), since: r.createdAt, severity: 'warning' });
  for (const a of input.alerts) {
    const ctx = a.context !== null;
    out.push({ kind: 'Alert firing', subject: (ctx ? a.context : a.cluster) ?? a.rule, subjectKind: ctx ? 'context' : 'cluster', detail: `${a.severity} (${a.rule}): ${a.message}`, href: '/alerts', since: a.firedAt, severity: a.severity === 'critical' ? 'critical' : 'warning' });
  }
  for (const d of input.failedDrills)
    out.push({ kind: 'Drill failed', subject: d.cluster, subjectKind: 'cluster', detail: `The latest restore drill ${d.status === 'TIMED_OUT' ? 'timed out' : 'ended in failure'}${d.error ? `: ${d.error}` : '.'}`, href: `/drills/${enc(d.id)}`, since: d.finishedAt, severity: 'warning' });
  for (const f of input.findings) {
    const kind = FINDING_KIND[f.code];
    if (kind) out.push({ kind, subject: f.context, subjectKind: 'context', detail: f.message, href: contextHref(f.context), since: null, severity: 'warning' });
  }
  for (const p of input.proposals)
    out.push({ kind: 'Declaration proposal', subject: p.context, subjectKind: 'context', detail: `Version ${p.version} proposed by ${p.author}: an admin accepts or rejects it.`, href: contextHref(p.context), since: p.createdAt, severity: 'warning' });
  const rank = (k: TAttentionKind) => ATTENTION_KINDS.indexOf(k);
  const time = (s: string | null) => (s === null ? -Infinity : Date.parse(s));
  return out.sort((a, b) => rank(a.kind) - rank(b.kind) || time(a.since) - time(b.since) || a.subject.localeCompare(b.subject));
}

import { describe, expect, it } from 'vitest';
import { ATTENTION_KINDS, attentionList, type TAttentionInput } from './attention';

const none: TAttentionInput = { clusters: [], promotions: [], rejoins: [], alerts: [], failedDrills: [], findings: [], proposals: [] };
const t = (min: number) => new Date(Date.UTC(2026, 11, 1, 12, min)).toISOString();
const cl = (name: string, state: TAttentionInput['clusters'][number]['state'], stale = false) => ({ name, state, stale });
const promo = (id: string, cluster: string, kind: string, createdAt: string) => ({ id, cluster, candidate: `${cluster}-b`, kind, approvals: 1, approvalsRequired: 2, createdAt });

type TRow = [name: string, input: Partial<TAttentionInput>, expected: Array<[kind: string, subject: string, href: string]>];

const rows: TRow[] = [
  ['nothing stored: nothing needs attention', {}, []],
  ['healthy, degraded and unknown clusters are not items', { clusters: [cl('a', 'HEALTHY'), cl('b', 'DEGRADED'), cl('c', 'UNKNOWN')] }, []],
  ['split brain before primary down, by name', { clusters: [cl('z', 'PRIMARY_DOWN'), cl('y', 'SPLIT_BRAIN'), cl('x', 'PRIMARY_DOWN')] }, [['Split brain', 'y', '/clusters/y'], ['Primary down', 'x', '/clusters/x'], ['Primary down', 'z', '/clusters/z']]],
  ['a stale cluster is never an item (it reads UNKNOWN)', { clusters: [cl('old', 'PRIMARY_DOWN', true)] }, []],
  [
    'promotions before switchovers before rejoins; the oldest first',
    { promotions: [promo('s1', 'pay', 'switchover', t(1)), promo('p2', 'pay', 'failover', t(5)), promo('p1', 'ord', 'failover', t(2))], rejoins: [{ id: 'r1', cluster: 'pay', member: 'pay-a', createdAt: t(0) }] },
    [['Promotion awaiting approval', 'ord', '/promotions/p1'], ['Promotion awaiting approval', 'pay', '/promotions/p2'], ['Switchover awaiting approval', 'pay', '/promotions/s1'], ['Rejoin awaiting approval', 'pay', '/clusters/pay']],
  ],
  [
    'alerts link to /alerts, named by context when they have one',
    { alerts: [{ id: 'a2', rule: 'readiness_bad', severity: 'warning', message: 'x', cluster: 'pay', context: 'payments', firedAt: t(3) }, { id: 'a1', rule: 'primary_down', severity: 'critical', message: 'Cluster pay is PRIMARY_DOWN.', cluster: 'pay', context: null, firedAt: t(1) }] },
    [['Alert firing', 'pay', '/alerts'], ['Alert firing', 'payments', '/alerts']],
  ],
  [
    'drills: failed (drill page), overdue and untrusted (context page); other findings are not items',
    {
      failedDrills: [{ id: 'd 1', cluster: 'pay', status: 'TIMED_OUT', error: null, finishedAt: t(2) }],
      findings: [{ context: 'payments', code: 'BACKUPS_UNTRUSTED', message: 'm' }, { context: 'payments', code: 'DRILL_OVERDUE', message: 'm' }, { context: 'payments', code: 'RPO_EXCEEDED', message: 'm' }],
    },
    [['Drill failed', 'pay', '/drills/d%201'], ['Drill overdue', 'payments', '/contexts/payments'], ['Backups untrusted', 'payments', '/contexts/payments']],
  ],
  ['a pending proposal links to its context', { proposals: [{ context: 'orders', version: 3, author: 'owner', createdAt: t(0) }] }, [['Declaration proposal', 'orders', '/contexts/orders']]],
  [
    'every kind together: the order of ATTENTION_KINDS',
    {
      proposals: [{ context: 'orders', version: 3, author: 'owner', createdAt: t(0) }],
      findings: [{ context: 'payments', code: 'DRILL_OVERDUE', message: 'm' }],
      alerts: [{ id: 'a1', rule: 'primary_down', severity: 'critical', message: 'Cluster pay is PRIMARY_DOWN.', cluster: 'pay', context: null, firedAt: t(1) }],
      promotions: [promo('p1', 'pay', 'failover', t(2))],
      clusters: [cl('pay', 'PRIMARY_DOWN')],
    },
    [['Primary down', 'pay', '/clusters/pay'], ['Promotion awaiting approval', 'pay', '/promotions/p1'], ['Alert firing', 'pay', '/alerts'], ['Drill overdue', 'payments', '/contexts/payments'], ['Declaration proposal', 'orders', '/contexts/orders']],
  ],
];

describe('attentionList', () => {
  it.each(rows)('%s', (_name, input, expected) => {
    expect(attentionList({ ...none, ...input }).map((i) => [i.kind, i.subject, i.href])).toEqual(expected);
  });

  it('says how many approvals a request has and how many it needs', () => {
    const [item] = attentionList({ ...none, promotions: [promo('p1', 'pay', 'failover', t(0))] });
    expect(item.detail).toBe('Promote to pay-b: 1 of 2 approvals.');
    expect(item.severity).toBe('critical');
  });

  it("an item's text carries its own kind label only (an alert says what fired, not its rule's summary)", () => {
    const items = attentionList({
      ...none,
      clusters: [cl('pay', 'PRIMARY_DOWN'), cl('two', 'SPLIT_BRAIN')],
      alerts: [{ id: 'a1', rule: 'primary_down', severity: 'critical', message: 'Cluster pay is PRIMARY_DOWN.', cluster: 'pay', context: null, firedAt: t(1) }],
      promotions: [promo('p1', 'pay', 'failover', t(2)), promo('s1', 'pay', 'switchover', t(2))],
      rejoins: [{ id: 'r1', cluster: 'pay', member: 'pay-a', createdAt: t(0) }],
      failedDrills: [{ id: 'd1', cluster: 'pay', status: 'FAILED', error: 'restore exited 1', finishedAt: t(2) }],
      proposals: [{ context: 'orders', version: 3, author: 'owner', createdAt: t(0) }],
    });
    for (const i of items) {
      const text = `${i.subject} ${i.detail}`.toLowerCase();
      for (const k of ATTENTION_KINDS) expect(text, `${i.kind}: ${i.detail}`).not.toContain(k.toLowerCase());
    }
  });
});

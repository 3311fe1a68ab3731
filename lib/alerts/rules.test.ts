import { describe, expect, it } from 'vitest';
import type { TFinding } from '@/lib/findings/types';
import { ALERT_RULES, FINDING_RULES, alertConditions, alertKey, heldScopes, isSilenced, stepAlerts, type TAlertInputs, type TOpenAlert } from './rules';
import { alertmanagerAlert, inMaintenance, retryDelaySeconds, slackBody, switchoverDelivery, toAlertName, webhookBody, type TAlertRecord } from './payloads';

const finding = (code: string, message = `${code} on c1`): TFinding => ({ code, severity: 'error', message, source: 'live' });
const inputs = (over: Partial<TAlertInputs> = {}): TAlertInputs => ({
  clusters: [{ name: 'c1', state: 'HEALTHY', stale: false, members: [{ name: 'n1', status: 'ok', stale: false, clockSkewMs: 0 }] }],
  contexts: [{ slug: 'pay', stale: false, findings: [] }],
  promotions: [],
  maxClockSkewMs: 2000,
  ...over,
});
const keys = (i: TAlertInputs) => alertConditions(i).map((c) => c.key);

describe('alertConditions: one rule set from what the read model concluded', () => {
  it.each([
    ['healthy fleet', inputs(), []],
    ['primary down', inputs({ clusters: [{ name: 'c1', state: 'PRIMARY_DOWN', stale: false, members: [] }] }), ['primary_down/cluster/c1']],
    ['split brain', inputs({ clusters: [{ name: 'c1', state: 'SPLIT_BRAIN', stale: false, members: [] }] }), ['split_brain/cluster/c1']],
    ['degraded is no alert of its own', inputs({ clusters: [{ name: 'c1', state: 'DEGRADED', stale: false, members: [] }] }), []],
    ['a stale cluster says nothing', inputs({ clusters: [{ name: 'c1', state: 'PRIMARY_DOWN', stale: true, members: [{ name: 'n1', status: 'ok', stale: true, clockSkewMs: null }] }] }), []],
    ['agent stale', inputs({ clusters: [{ name: 'c1', state: 'DEGRADED', stale: false, members: [{ name: 'n1', status: 'ok', stale: true, clockSkewMs: null }] }] }), ['agent_stale/member/c1/n1']],
    ['agent not answering', inputs({ clusters: [{ name: 'c1', state: 'DEGRADED', stale: false, members: [{ name: 'n1', status: 'unknown', stale: false, clockSkewMs: null }] }] }), ['agent_stale/member/c1/n1']],
    ['never polled yet: no alert', inputs({ clusters: [{ name: 'c1', state: 'UNKNOWN', stale: false, members: [{ name: 'n1', status: 'never', stale: true, clockSkewMs: null }] }] }), []],
    ['clock skew above the limit', inputs({ clusters: [{ name: 'c1', state: 'HEALTHY', stale: false, members: [{ name: 'n1', status: 'ok', stale: false, clockSkewMs: -2500 }] }] }), ['clock_skew/member/c1/n1']],
    ['clock skew at the limit', inputs({ clusters: [{ name: 'c1', state: 'HEALTHY', stale: false, members: [{ name: 'n1', status: 'ok', stale: false, clockSkewMs: 2000 }] }] }), []],
    ['WAL archiving failing', inputs({ contexts: [{ slug: 'pay', stale: false, findings: [finding('WAL_ARCHIVING_FAILING')] }] }), ['wal_archiving_failing/context/pay']],
    ['two backup codes, one alert', inputs({ contexts: [{ slug: 'pay', stale: false, findings: [finding('NO_BACKUP'), finding('BACKUP_TOO_OLD')] }] }), ['backup_too_old/context/pay']],
    ['codes without a rule', inputs({ contexts: [{ slug: 'pay', stale: false, findings: [finding('SINGLE_INSTANCE'), finding('BACKUPS_UNTRUSTED')] }] }), []],
    ['a stale context says nothing', inputs({ contexts: [{ slug: 'pay', stale: true, findings: [finding('WAL_ARCHIVING_FAILING')] }] }), []],
    ['drill codes (issue 13)', inputs({ contexts: [{ slug: 'pay', stale: false, findings: [finding('DRILL_OVERDUE'), finding('DRILL_FAILED'), finding('RESTORE_SLOWER_THAN_RTO'), finding('BACKUP_HAS_ERRORS')] }] }), ['backup_errors/context/pay', 'drill_failed/context/pay', 'drill_overdue/context/pay', 'restore_slower_than_rto/context/pay']],
    ['lag and storage', inputs({ contexts: [{ slug: 'pay', stale: false, findings: [finding('LAG_ABOVE_RPO'), finding('STORAGE_RISK')] }] }), ['lag_above_rpo/context/pay', 'storage_risk/context/pay']],
    ['promotions', inputs({ promotions: [{ cluster: 'c1', status: 'PENDING', candidate: 'n2' }, { cluster: 'c2', status: 'FAILED', candidate: 'm2' }] }), ['promotion_failed/cluster/c2', 'promotion_waiting_approval/cluster/c1']],
  ])('%s', (_, i, expected) => {
    expect(keys(i)).toEqual(expected);
  });

  it('every finding code maps to a rule that exists; the messages of one rule are joined', () => {
    for (const rule of Object.values(FINDING_RULES)) expect(ALERT_RULES[rule]).toBeDefined();
    const [c] = alertConditions(inputs({ contexts: [{ slug: 'pay', stale: false, findings: [finding('NO_BACKUP', 'a.'), finding('BACKUP_TOO_OLD', 'b.')] }] }));
    expect(c).toMatchObject({ rule: 'backup_too_old', context: 'pay', cluster: null, message: 'a. b.' });
  });

  it('keys are rule/scope/target', () => {
    expect(alertKey('primary_down', { cluster: 'c1' })).toBe('primary_down/cluster/c1');
    expect(alertKey('agent_stale', { cluster: 'c1', member: 'n1' })).toBe('agent_stale/member/c1/n1');
    expect(alertKey('storage_risk', { context: 'pay' })).toBe('storage_risk/context/pay');
  });
});

describe('stepAlerts: fires once, resolves once after the hold-down, unknown holds', () => {
  const t0 = new Date('2026-12-01T10:00:00Z');
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  const down = alertConditions(inputs({ clusters: [{ name: 'c1', state: 'PRIMARY_DOWN', stale: false, members: [] }] }));
  const open = (over: Partial<TOpenAlert> = {}): TOpenAlert => ({ key: 'primary_down/cluster/c1', rule: 'primary_down', cluster: 'c1', context: null, lastTrueAt: t0, clearSince: null, ...over });
  const kinds = (steps: ReturnType<typeof stepAlerts>) => steps.map((s) => s.kind);

  it.each([
    ['a new condition fires', [], down, new Set<string>(), at(0), undefined, ['fire']],
    ['an open alert whose condition holds is kept (no second fire)', [open()], down, new Set<string>(), at(5), undefined, ['keep']],
    ['the condition ends: clearing starts, nothing resolves yet', [open()], [], new Set<string>(), at(5), undefined, ['clearing']],
    ['still clear inside the hold-down: nothing', [open({ clearSince: at(5) })], [], new Set<string>(), at(30), undefined, []],
    ['clear for the hold-down (60 s): resolves', [open({ clearSince: at(5) })], [], new Set<string>(), at(65), undefined, ['resolve']],
    ['returns inside the hold-down: the same alert continues', [open({ clearSince: at(5) })], down, new Set<string>(), at(30), undefined, ['keep']],
    ['unknown (stale read model) holds an open alert', [open({ clearSince: at(5) })], [], new Set(['cluster:c1']), at(500), undefined, []],
    ['hold-down override 0: resolves at once', [open()], [], new Set<string>(), at(1), 0, ['resolve']],
  ] as const)('%s', (_, o, c, held, now, override, expected) => {
    expect(kinds(stepAlerts([...o], [...c], held, now, override))).toEqual(expected);
  });
});

describe('silences', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const later = new Date('2026-12-01T11:00:00Z');
  const a = { rule: 'primary_down', severity: 'critical', cluster: 'c1', context: null, member: null };
  it.each([
    ['matching cluster', [{ match: { cluster: 'c1' }, until: later }], a, true],
    ['other cluster', [{ match: { cluster: 'c2' }, until: later }], a, false],
    ['expired', [{ match: { cluster: 'c1' }, until: now }], a, false],
    ['rule and severity', [{ match: { rule: 'primary_down', severity: 'critical' }, until: later }], a, true],
    ['split brain is never silenced', [{ match: { cluster: 'c1' }, until: later }], { ...a, rule: 'split_brain' }, false],
  ])('%s', (_, silences, alert, expected) => {
    expect(isSilenced(alert, silences, now)).toBe(expected);
  });
});

describe('payloads', () => {
  const alert: TAlertRecord = { id: 'a1', key: 'primary_down/cluster/c1', rule: 'primary_down', severity: 'critical', cluster: 'c1', context: null, member: null, state: 'firing', message: 'Cluster c1 is PRIMARY_DOWN.', firedAt: new Date('2026-12-01T10:00:00Z'), resolvedAt: null };
  const now = new Date('2026-12-01T10:01:00Z');

  it('Alertmanager: labels, annotations, endsAt ahead while firing and now when resolved', () => {
    const f = alertmanagerAlert(alert, 'firing', now, 240, 'http://vakt.example:3000/');
    expect(f).toEqual({
      labels: { alertname: 'VaktPrimaryDown', severity: 'critical', rule: 'primary_down', source: 'vakt', cluster: 'c1' },
      annotations: { summary: 'Primary down: c1', description: 'Cluster c1 is PRIMARY_DOWN.', action: ALERT_RULES.primary_down.action },
      startsAt: '2026-12-01T10:00:00.000Z',
      endsAt: '2026-12-01T10:05:00.000Z',
      generatorURL: 'http://vakt.example:3000/clusters/c1',
    });
    const r = alertmanagerAlert({ ...alert, state: 'resolved', resolvedAt: now }, 'resolved', now, 240, 'http://vakt.example:3000');
    expect(r.endsAt).toBe(now.toISOString());
  });

  it('webhook and Slack (incoming-webhook shape: text plus mrkdwn section blocks; no Slack is reachable from the tests)', () => {
    expect(webhookBody(alert, 'firing', 'http://v')).toMatchObject({ version: 1, event: 'firing', alert: { key: alert.key, alertname: 'VaktPrimaryDown', link: 'http://v/clusters/c1', resolvedAt: null } });
    const s = slackBody(alert, 'firing', 'http://v');
    expect(Object.keys(s).sort()).toEqual(['blocks', 'text']);
    expect(s.text).toBe(':rotating_light: [FIRING · critical] Primary down: c1');
    expect(s.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining('<http://v/clusters/c1|Open in Vakt>') } }]);
    expect(slackBody(alert, 'resolved', 'http://v').text).toBe(':white_check_mark: [RESOLVED] Primary down: c1');
  });

  it.each([
    ['primary down, cluster in maintenance', 'primary_down', 'c1', ['c1'], true],
    ['primary down, another cluster in maintenance', 'primary_down', 'c1', ['c2'], false],
    ['primary down, no maintenance', 'primary_down', 'c1', [], false],
    ['split brain is never muted, even in maintenance', 'split_brain', 'c1', ['c1'], false],
    ['an alert without a cluster', 'primary_down', null, ['c1'], false],
  ] as const)('maintenance label: %s', (_name, rule, cluster, inMaint, expected) => {
    expect(inMaintenance({ rule, cluster }, new Set(inMaint))).toBe(expected);
  });

  // a switchover of c1 whose stop started 10 s before the alert fired (10:00:00); it ended 20 s after, or executes
  const T = (s: number) => new Date(alert.firedAt.getTime() + s * 1000);
  const SETTLE = 5000;
  const executing = [{ cluster: 'c1', from: T(-10), until: null }];
  const ended = [{ cluster: 'c1', from: T(-10), until: T(20) }];
  it.each([
    ['while the switchover executes: wait for its outcome', {}, executing, T(1), { kind: 'wait', until: T(2) }],
    ['while it executes, condition already gone: still wait (it may yet fail)', { clearSince: T(1) }, executing, T(1), { kind: 'wait', until: T(2) }],
    ['ended, condition gone (hold-down): the write gap, labelled', { clearSince: T(5) }, ended, T(21), { kind: 'maintenance' }],
    ['ended, resolved (the resolved notice): labelled', { state: 'resolved', resolvedAt: T(70) }, ended, T(71), { kind: 'maintenance' }],
    ['ended just now, condition still holding: wait until it settled', {}, ended, T(21), { kind: 'wait', until: T(25) }],
    ['ended and settled, the primary still down: pages', {}, ended, T(25), { kind: 'page' }],
    ['fired from a read model computed before the end (within the settle bound), then cleared: labelled', { firedAt: T(24), clearSince: T(24.5) }, ended, T(26), { kind: 'maintenance' }],
    ['fired after the end and its settle bound: pages', { firedAt: T(26), clearSince: T(27) }, ended, T(27), { kind: 'page' }],
    ['fired before the stop: pages', { firedAt: T(-11) }, executing, T(1), { kind: 'page' }],
    ['a switchover of another cluster: pages', {}, [{ cluster: 'c2', from: T(-10), until: null }], T(1), { kind: 'page' }],
    ['no switchover (or one that failed without a rollback: not a window): pages', {}, [], T(1), { kind: 'page' }],
    ['split brain during a switchover pages at once', { rule: 'split_brain', key: 'split_brain/cluster/c1' }, executing, T(1), { kind: 'page' }],
    ['agent stale during a switchover is not touched', { rule: 'agent_stale', member: 'c1-a' }, executing, T(1), { kind: 'page' }],
  ] as const)('switchover delivery: %s', (_name, p, windows, at, expected) => {
    expect(switchoverDelivery({ ...alert, ...p }, windows, at, SETTLE)).toEqual(expected);
  });

  it('a maintenance alert is labelled for every receiver kind', () => {
    const m = { ...alert, maintenance: true };
    expect(alertmanagerAlert(m, 'firing', now, 240, 'http://v').labels).toMatchObject({ maintenance: 'true', alertname: 'VaktPrimaryDown' });
    expect(alertmanagerAlert(alert, 'firing', now, 240, 'http://v').labels).not.toHaveProperty('maintenance');
    expect(webhookBody(m, 'firing', 'http://v').alert.maintenance).toBe(true);
    expect(slackBody(m, 'firing', 'http://v').text).toBe(':rotating_light: [FIRING · critical · maintenance] Primary down: c1');
    expect(slackBody(m, 'resolved', 'http://v').text).toBe(':white_check_mark: [RESOLVED · maintenance] Primary down: c1');
  });

  it('alert names and backoff', () => {
    expect(toAlertName('wal_archiving_failing')).toBe('VaktWalArchivingFailing');
    expect([1, 2, 3, 4, 10, 20].map(retryDelaySeconds)).toEqual([1, 2, 4, 8, 300, 300]);
  });
});

describe('heldScopes', () => {
  it('stale clusters and contexts', () => {
    expect([...heldScopes(inputs({ clusters: [{ name: 'c1', state: 'UNKNOWN', stale: true, members: [] }], contexts: [{ slug: 'pay', stale: true, findings: [] }] }))]).toEqual(['cluster:c1', 'context:pay']);
  });
});

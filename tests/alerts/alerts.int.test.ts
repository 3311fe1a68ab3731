import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { cliActor, systemActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { alertLoop } from '@/lib/alerts/loop';
import { createReceiver } from '@/lib/alerts/receivers';
import { readModelLoop } from '@/lib/readmodel/loop';
import { startWorker, type TWorker } from '@/lib/worker';
import { pollerLoop } from '@/lib/worker/poller-loop';
import * as receiversRoute from '@/app/api/v1/receivers/route';
import * as alertsRoute from '@/app/api/v1/alerts/route';
import * as ackRoute from '@/app/api/v1/alerts/[id]/ack/route';
import * as silencesRoute from '@/app/api/v1/silences/route';
import { startAlertReceiver, type TAlertReceiver, type TReceived } from '@/scripts/demo/alert-receiver';
import { createPgCluster, waitFor, type TPgCluster } from '../support/pg-cluster';
import { declareContext, ensureSite } from '../support/promotion-support';
import { onlyDue } from '../support/cluster-setup';
import { overrideEnv, registerHarnessCluster } from '../safety/safety-support';
import { startAlertmanager, type TAlertmanager } from './alertmanager';

// Alerts end to end on a real cluster (real agents, poller, read model) with real receivers on
// loopback: a webhook, a webhook that first answers 500, a Slack-kind receiver (no Slack is reachable
// here: a local server takes Slack's incoming-webhook payload and the test checks its shape), and a real
// Alertmanager routing to a webhook. Two alert workers run side by side (one lease), and are replaced
// by two new ones mid-alert (a worker restart): every receiver gets exactly one firing and one
// resolved notification per alert, when WAL archiving breaks and is repaired and when the primary
// goes down and comes back.
const CLUSTER = 'al-main';
const CONTEXT = 'al-ctx';
const WAL_KEY = `wal_archiving_failing/context/${CONTEXT}`;
const DOWN_KEY = `primary_down/cluster/${CLUSTER}`;

let pg: TPgCluster;
let restoreEnv = () => {};
let pollWorker: TWorker | null = null;
let alertWorkers: TWorker[] = [];
let hook: TAlertReceiver, flaky: TAlertReceiver, slack: TAlertReceiver, amHook: TAlertReceiver;
let am: TAlertmanager;

const startAlertWorkers = (ids: string[]) => ids.map((id) => startWorker({ id, loops: [alertLoop({ intervalMs: 250 })] }));
type TWebhook = { event: string; alert: { id: string; key: string; rule: string } };
const events = (r: TAlertReceiver, key: string) => r.received.map((x) => x.body as TWebhook).filter((b) => b.alert?.key === key).map((b) => b.event);
type TAmNotification = { status: string; alerts: Array<{ status: string; labels: Record<string, string> }> };
const amEvents = (rule: string) => amHook.received.map((x) => x.body as TAmNotification).filter((b) => b.alerts?.some((a) => a.labels.rule === rule)).map((b) => b.status);
const slackTexts = (what: string) => slack.received.map((x) => (x.body as { text: string }).text).filter((t) => t.includes(what));
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForEvents(key: string, rule: string, what: string, expected: string[]) {
  await waitFor(async () => [hook, flaky].every((r) => events(r, key).length >= expected.length) && amEvents(rule).length >= expected.length, 60_000, `${what}: every receiver notified`, 100);
}

beforeAll(async () => {
  restoreEnv = overrideEnv({ VAKT_STALE_AFTER_MS: '5000', VAKT_PRIMARY_DOWN_FOR_SECONDS: '1', VAKT_ALERT_HOLD_DOWN_SECONDS: '2' });
  await ensureSite('oslo');
  [hook, flaky, slack, amHook] = await Promise.all([startAlertReceiver(), startAlertReceiver({ status: (n) => (n === 1 ? 500 : 200) }), startAlertReceiver(), startAlertReceiver()]);
  am = await startAlertmanager(`${amHook.url}/am`);
  pg = await createPgCluster({ primary: { name: 'al-a', site: 'oslo' }, replicas: [{ name: 'al-b', site: 'oslo' }], archive: true, agents: 'in-process' });
  await declareContext(CONTEXT, { backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 7, drillCadenceDays: 7 } });
  await registerHarnessCluster(CLUSTER, pg, [CONTEXT]);
  const actor = cliActor();
  await createReceiver({ actor, input: { name: 'al-hook', kind: 'webhook', url: `${hook.url}/vakt`, token: 'hook-secret-token' } });
  await createReceiver({ actor, input: { name: 'al-flaky', kind: 'webhook', url: `${flaky.url}/vakt` } });
  await createReceiver({ actor, input: { name: 'al-slack', kind: 'slack', url: `${slack.url}/services/T000/B000/slack-secret-path` } });
  await createReceiver({ actor, input: { name: 'al-am', kind: 'alertmanager', url: am.url, resendSeconds: 5 } });
  await onlyDue(CLUSTER);
  pollWorker = startWorker({ id: 'w-al-poll', loops: [pollerLoop({ intervalMs: 500, timeoutMs: 2000 }), readModelLoop({ refreshMs: 1000, tickMs: 100 })] });
  alertWorkers = startAlertWorkers(['w-al-1', 'w-al-2']);
}, 120_000);

afterAll(async () => {
  await Promise.all(alertWorkers.map((w) => w.stop()));
  await pollWorker?.stop();
  await db.alertReceiver.deleteMany({ where: { name: { startsWith: 'al-' } } });
  await db.alert.deleteMany({ where: { OR: [{ cluster: CLUSTER }, { context: CONTEXT }] } });
  await db.cluster.deleteMany({ where: { name: CLUSTER } });
  await pg?.cleanup();
  await am?.stop();
  await Promise.all([hook, flaky, slack, amHook].map((r) => r?.stop()));
  restoreEnv();
});

describe('receivers (admin)', () => {
  it('are listed without their URL path or token; a URL outside VAKT_RECEIVER_ALLOW is refused', async () => {
    const admin = (await createApiToken({ actor: systemActor(), input: { name: 'al-admin', role: 'admin' } })).token;
    const viewer = (await createApiToken({ actor: systemActor(), input: { name: 'al-viewer', role: 'viewer' } })).token;
    const req = (token: string, init: RequestInit = {}) => new Request('http://localhost/api/v1/receivers', { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    const noParams = { params: Promise.resolve({}) };
    expect((await receiversRoute.GET(req(viewer), noParams)).status).toBe(403);
    const res = await receiversRoute.GET(req(admin), noParams);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toMatch(/hook-secret-token|slack-secret-path|urlEnc|tokenEnc/);
    const { receivers } = JSON.parse(text) as { receivers: Array<{ name: string; kind: string; target: string; hasToken: boolean }> };
    expect(receivers.filter((r) => r.name.startsWith('al-')).map((r) => [r.name, r.kind, r.target, r.hasToken])).toEqual([
      ['al-am', 'alertmanager', am.url, false],
      ['al-flaky', 'webhook', flaky.url, false],
      ['al-hook', 'webhook', hook.url, true],
      ['al-slack', 'slack', slack.url, false],
    ]);
    const refused = await receiversRoute.POST(req(admin, { method: 'POST', body: JSON.stringify({ name: 'al-outside', kind: 'webhook', url: 'http://192.0.2.10:9000/x' }) }), noParams);
    expect(refused.status).toBe(422);
    expect((await refused.json()).error.message).toMatch(/receiver URL refused: .*outside VAKT_RECEIVER_ALLOW/);
  });
});

describe('WAL archiving breaks and is repaired', () => {
  it('fires once to every receiver (the one that first answers 500 gets it on retry), through Alertmanager too', async () => {
    await waitFor(async () => (await db.clusterReadModel.findFirst({ where: { cluster: { name: CLUSTER } } }))?.state === 'HEALTHY', 30_000, 'cluster HEALTHY', 100);
    expect(events(hook, WAL_KEY)).toEqual([]);
    await pg.primary.psql(`ALTER SYSTEM SET archive_command = 'false'`);
    await pg.primary.psql('SELECT pg_reload_conf()');
    await pg.primary.psql('CREATE TABLE IF NOT EXISTS al_t (x int); INSERT INTO al_t VALUES (1)');
    await pg.primary.psql('SELECT pg_switch_wal()');
    await waitForEvents(WAL_KEY, 'wal_archiving_failing', 'WAL archiving failing', ['firing']);
    const hooked = hook.received.find((x) => (x.body as TWebhook).alert?.key === WAL_KEY)!;
    expect(hooked.headers.authorization).toBe('Bearer hook-secret-token');
    expect(hooked.body).toMatchObject({ version: 1, event: 'firing', alert: { rule: 'wal_archiving_failing', alertname: 'VaktWalArchivingFailing', severity: 'critical', context: CONTEXT, link: expect.stringMatching(/\/contexts\/al-ctx$/) } });
    // the flaky receiver's first answer was a 500: that delivery was retried and recorded
    const retried = await db.alertDelivery.findFirst({ where: { receiver: { name: 'al-flaky' }, attempts: { gt: 1 } } });
    expect(retried).toMatchObject({ status: 'delivered', lastError: expect.stringContaining('HTTP 500') });
    // the alert is visible (viewer) with what to do and its deliveries
    const viewer = (await createApiToken({ actor: systemActor(), input: { name: 'al-viewer2', role: 'viewer' } })).token;
    const list = await alertsRoute.GET(new Request('http://localhost/api/v1/alerts?state=firing', { headers: { authorization: `Bearer ${viewer}` } }), { params: Promise.resolve({}) });
    const wal = ((await list.json()) as { alerts: Array<{ key: string; action: string; link: string; deliveries: unknown[] }> }).alerts.find((a) => a.key === WAL_KEY)!;
    expect(wal).toMatchObject({ link: `/contexts/${CONTEXT}`, action: expect.stringContaining('archive_command') });
    expect(wal.deliveries).toHaveLength(4);
  });

  it('a worker restart (both alert workers replaced) does not fire it again', async () => {
    await Promise.all(alertWorkers.map((w) => w.stop()));
    alertWorkers = startAlertWorkers(['w-al-3', 'w-al-4']);
    await settle(3000); // a dozen evaluations by the new workers while the condition holds
    for (const r of [hook, flaky]) expect(events(r, WAL_KEY)).toEqual(['firing']);
    expect(await db.alert.count({ where: { key: WAL_KEY } })).toBe(1);
  });

  it('resolves once when archiving is repaired', async () => {
    await pg.primary.psql('ALTER SYSTEM RESET archive_command');
    await pg.primary.psql('SELECT pg_reload_conf()');
    await pg.primary.psql('SELECT pg_switch_wal()');
    await waitForEvents(WAL_KEY, 'wal_archiving_failing', 'WAL archiving repaired', ['firing', 'resolved']);
    await settle(2000);
    for (const r of [hook, flaky]) expect(events(r, WAL_KEY)).toEqual(['firing', 'resolved']);
    expect(amEvents('wal_archiving_failing')).toEqual(['firing', 'resolved']);
    expect(slackTexts('WAL archiving failing')).toEqual([`:rotating_light: [FIRING · critical] WAL archiving failing: ${CONTEXT}`, `:white_check_mark: [RESOLVED] WAL archiving failing: ${CONTEXT}`]);
    const slackBody = slack.received.find((x) => (x.body as { text: string }).text.includes('WAL archiving'))!.body;
    expect(slackBody).toEqual({ text: expect.any(String), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining('|Open in Vakt>') } }] });
    expect(await db.alert.findMany({ where: { key: WAL_KEY }, select: { state: true } })).toEqual([{ state: 'resolved' }]);
  });
});

describe('the primary goes down and comes back', () => {
  it('one firing, one resolved notification at every receiver', async () => {
    await pg.primary.stopPg();
    await waitForEvents(DOWN_KEY, 'primary_down', 'primary down', ['firing']);
    await pg.primary.startPg();
    await waitForEvents(DOWN_KEY, 'primary_down', 'primary back', ['firing', 'resolved']);
    await settle(2000);
    for (const r of [hook, flaky]) expect(events(r, DOWN_KEY)).toEqual(['firing', 'resolved']);
    expect(amEvents('primary_down')).toEqual(['firing', 'resolved']);
    expect(slackTexts('Primary down')).toHaveLength(2);
    // nothing was delivered twice to any receiver (two workers, one restart): each alert (episode) once per event
    const keys = (r: TAlertReceiver) => r.received.map((x: TReceived) => `${(x.body as TWebhook).alert?.id}:${(x.body as TWebhook).event}`);
    for (const r of [hook, flaky]) expect(new Set(keys(r)).size).toBe(keys(r).length);
  });
});

describe('acknowledge and silence (operator, audited, expiry enforced)', () => {
  it('a viewer may not; an operator acknowledges a firing alert and silences its cluster; split brain is refused; the past is refused', async () => {
    await pg.primary.stopPg();
    await waitFor(async () => (await db.alert.findFirst({ where: { key: DOWN_KEY, state: 'firing' } })) !== null, 30_000, 'primary down firing again', 100);
    const alert = (await db.alert.findFirst({ where: { key: DOWN_KEY, state: 'firing' } }))!;
    const viewer = (await createApiToken({ actor: systemActor(), input: { name: 'al-viewer3', role: 'viewer' } })).token;
    const operator = (await createApiToken({ actor: systemActor(), input: { name: 'al-operator', role: 'operator' } })).token;
    const post = (url: string, token: string, body?: unknown) => new Request(`http://localhost${url}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const id = { params: Promise.resolve({ id: alert.id }) };
    const none = { params: Promise.resolve({}) };
    expect((await ackRoute.POST(post(`/api/v1/alerts/${alert.id}/ack`, viewer), id)).status).toBe(403);
    expect((await ackRoute.POST(post(`/api/v1/alerts/${alert.id}/ack`, operator), id)).status).toBe(200);
    expect(await db.auditEvent.count({ where: { action: 'alert.acknowledged', targetId: DOWN_KEY } })).toBe(1);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect((await silencesRoute.POST(post('/api/v1/silences', viewer, { match: { cluster: CLUSTER }, until, reason: 'maintenance' }), none)).status).toBe(403);
    const brain = await silencesRoute.POST(post('/api/v1/silences', operator, { match: { rule: 'split_brain', cluster: CLUSTER }, until, reason: 'quiet please' }), none);
    expect(brain.status).toBe(422);
    expect((await brain.json()).error.message).toMatch(/split brain is never silenced/);
    const past = await silencesRoute.POST(post('/api/v1/silences', operator, { match: { cluster: CLUSTER }, until: new Date(Date.now() - 1000).toISOString(), reason: 'too late' }), none);
    expect(past.status).toBe(422);
    expect((await silencesRoute.POST(post('/api/v1/silences', operator, { match: {}, until, reason: 'everything' }), none)).status).toBe(422);
    const ok = await silencesRoute.POST(post('/api/v1/silences', operator, { match: { cluster: CLUSTER }, until: new Date(Date.now() + 4000).toISOString(), reason: 'planned restart' }), none);
    expect(ok.status).toBe(201);
    expect(await db.auditEvent.count({ where: { action: 'silence.created' } })).toBeGreaterThanOrEqual(1);
    const listed = async () => ((await (await alertsRoute.GET(new Request('http://localhost/api/v1/alerts', { headers: { authorization: `Bearer ${viewer}` } }), none)).json()) as { alerts: Array<{ key: string; silenced: boolean; acked: unknown }> }).alerts.find((a) => a.key === DOWN_KEY)!;
    expect(await listed()).toMatchObject({ silenced: true, acked: { by: 'token:al-operator' } });
    // expiry: 4 s later the silence no longer applies
    await waitFor(async () => !(await listed()).silenced, 15_000, 'silence expired', 250);
    await pg.primary.startPg();
  });
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { readModelLoop } from '@/lib/readmodel/loop';
import { readCluster } from '@/lib/readmodel/read';
import { startWorker, type TWorker } from '@/lib/worker';
import { pollerLoop } from '@/lib/worker/poller-loop';
import * as metricsRoute from '@/app/api/metrics/route';
import { createPgCluster, waitFor, type TPgCluster } from '../support/pg-cluster';
import { declareContext, ensureSite } from '../support/promotion-support';
import { onlyDue } from '../support/cluster-setup';
import { overrideEnv, registerHarnessCluster } from '../safety/safety-support';

// /api/metrics on a real cluster (pgBackRest archiving and a full backup, real agents, a real worker):
// `promtool check metrics` is clean on the scrape, the per-node, per-cluster and per-context gauges
// carry the cluster's numbers, and every metric the Prometheus rules and the Grafana dashboard in
// deploy/ use exists in it. `promtool check rules` and `promtool test rules` run on deploy/prometheus.
const CLUSTER = 'mx-main';
const CONTEXT = 'mx-ctx';
const DEPLOY = path.join(import.meta.dirname, '../../deploy');

let pg: TPgCluster;
let worker: TWorker | null = null;
let token: string;
let restoreEnv = () => {};

async function scrape(): Promise<string> {
  const res = await metricsRoute.GET(new Request('http://localhost/api/metrics', { headers: { authorization: `Bearer ${token}` } }));
  expect(res.status).toBe(200);
  return res.text();
}
/** the value of the one sample `name{labels}` (labels given in the order the exposition prints them) */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no sample ${series} in the scrape`);
  return Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  restoreEnv = overrideEnv({ VAKT_STALE_AFTER_MS: '5000' });
  await ensureSite('oslo');
  pg = await createPgCluster({ primary: { name: 'mx-a', site: 'oslo' }, replicas: [{ name: 'mx-b', site: 'oslo' }], archive: 'pgbackrest', agents: 'in-process' });
  await declareContext(CONTEXT, { backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 7, drillCadenceDays: 7 } });
  await registerHarnessCluster(CLUSTER, pg, [CONTEXT]);
  const cluster = await db.cluster.findUniqueOrThrow({ where: { name: CLUSTER } });
  // a drill reported by an external runner (issue 13's table): the context's drill age and expected restore time
  await db.restoreDrill.create({ data: { clusterId: cluster.id, status: 'SUCCEEDED', trigger: 'external', external: true, runner: 'test', requestedByLabel: 'test', startedAt: new Date(Date.now() - 120_000), finishedAt: new Date(Date.now() - 60_000), restoreSeconds: 42 } });
  token = (await createApiToken({ actor: systemActor(), input: { name: 'mx-metrics', role: 'viewer' } })).token;
  await onlyDue(CLUSTER);
  worker = startWorker({ id: 'w-metrics', loops: [pollerLoop({ intervalMs: 500, timeoutMs: 2000 }), readModelLoop({ tickMs: 100 })] });
  await waitFor(async () => (await readCluster(CLUSTER)).state === 'HEALTHY', 30_000, 'read model HEALTHY', 100);
});

afterAll(async () => {
  await worker?.stop();
  await db.cluster.deleteMany({ where: { name: CLUSTER } });
  await pg?.cleanup();
  restoreEnv();
});

describe('/api/metrics', () => {
  it('promtool check metrics is clean on a real scrape', async () => {
    const text = await scrape();
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: r.status, out: `${r.stdout}${r.stderr}` }).toEqual({ status: 0, out: '' });
    expect(text).not.toMatch(/vakt_process_process_|^# TYPE \S+_total gauge/m);
  });

  it("per node, cluster and context: the cluster's numbers, from the read model and stored observations", async () => {
    const text = await scrape();
    const n = (member: string) => `cluster="${CLUSTER}",member="${member}"`;
    expect(sample(text, `vakt_node_up{${n('mx-a')},site="oslo"}`)).toBe(1);
    expect(sample(text, `vakt_node_role{${n('mx-a')},role="primary"}`)).toBe(1);
    expect(sample(text, `vakt_node_role{${n('mx-b')},role="replica"}`)).toBe(1);
    expect(sample(text, `vakt_node_timeline{${n('mx-a')}}`)).toBe(1);
    expect(sample(text, `vakt_node_replication_lag_bytes{${n('mx-b')}}`)).toBeGreaterThanOrEqual(0);
    expect(sample(text, `vakt_node_wal_archive_failures{${n('mx-a')}}`)).toBe(0);
    expect(sample(text, `vakt_node_wal_archive_failing{${n('mx-a')}}`)).toBe(0);
    expect(sample(text, `vakt_node_wal_archive_last_success_age_seconds{${n('mx-a')}}`)).toBeGreaterThanOrEqual(0);
    const free = sample(text, `vakt_node_storage_free_ratio{${n('mx-a')}}`);
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThanOrEqual(1);
    expect(sample(text, `vakt_node_fenced{${n('mx-a')}}`)).toBe(0);
    expect(Math.abs(sample(text, `vakt_node_clock_skew_seconds{${n('mx-a')}}`))).toBeLessThan(2);
    expect(sample(text, `vakt_cluster_state{cluster="${CLUSTER}",state="HEALTHY"}`)).toBe(1);
    expect(sample(text, `vakt_cluster_state{cluster="${CLUSTER}",state="PRIMARY_DOWN"}`)).toBe(0);
    expect(sample(text, `vakt_cluster_epoch{cluster="${CLUSTER}"}`)).toBe(0);
    const verdicts = ['SAFE', 'GATED', 'MANUAL', 'BLOCKED'].map((v) => sample(text, `vakt_cluster_best_candidate_verdict{cluster="${CLUSTER}",verdict="${v}"}`));
    expect(verdicts.reduce((a, b) => a + b)).toBe(1);
    expect(sample(text, `vakt_cluster_best_candidate_loss_bytes{cluster="${CLUSTER}"}`)).toBeGreaterThanOrEqual(0);
    expect(sample(text, `vakt_context_findings{context="${CONTEXT}",severity="error"}`)).toBeGreaterThanOrEqual(0);
    const backupAge = sample(text, `vakt_context_last_backup_age_seconds{context="${CONTEXT}"}`);
    expect(backupAge).toBeGreaterThanOrEqual(0);
    expect(backupAge).toBeLessThan(600);
    const drillAge = sample(text, `vakt_context_last_successful_drill_age_seconds{context="${CONTEXT}"}`);
    expect(drillAge).toBeGreaterThanOrEqual(55);
    expect(drillAge).toBeLessThan(600);
    expect(sample(text, `vakt_context_expected_restore_seconds{context="${CONTEXT}"}`)).toBe(42);
    expect(sample(text, `vakt_context_rto_bound_seconds{context="${CONTEXT}"}`)).toBe(900);
    expect(sample(text, 'vakt_alerts_firing{rule="split_brain",severity="critical"}')).toBe(0);
  });

  it('the RTO bound is the binding one: a pending proposal with a stricter RTO class counts before it is accepted', async () => {
    const ctx = await db.boundedContext.findUniqueOrThrow({ where: { slug: CONTEXT }, include: { declarations: { orderBy: { version: 'desc' }, take: 1 } } });
    const accepted = ctx.declarations[0];
    const stricter = await db.recoveryClass.findFirstOrThrow({ where: { kind: 'RTO', boundSeconds: { lt: 900, not: null } }, orderBy: { boundSeconds: 'asc' } });
    const version = accepted.version + 1;
    await db.declaration.create({ data: { contextId: ctx.id, version, spec: { ...(accepted.spec as object), rtoClass: stricter.name }, reason: 'stricter RTO proposed', authorLabel: 'test', status: 'proposed' } });
    await db.boundedContext.update({ where: { id: ctx.id }, data: { pendingVersion: version } });
    try {
      expect(sample(await scrape(), `vakt_context_rto_bound_seconds{context="${CONTEXT}"}`)).toBe(stricter.boundSeconds);
    } finally {
      await db.boundedContext.update({ where: { id: ctx.id }, data: { pendingVersion: null } });
      await db.declaration.delete({ where: { contextId_version: { contextId: ctx.id, version } } });
    }
    expect(sample(await scrape(), `vakt_context_rto_bound_seconds{context="${CONTEXT}"}`)).toBe(900);
  });

  it('labels are registry names and closed vocabularies only (no free text)', async () => {
    const text = await scrape();
    const values = new Set<string>();
    for (const m of text.matchAll(/^vakt_\w+\{([^}]*)\}/gm)) for (const v of m[1].matchAll(/\w+="([^"]*)"/g)) values.add(v[1]);
    for (const v of values) expect(v).toMatch(/^[A-Za-z0-9_.+:\-]{1,80}$/);
  });

  it('every metric the Prometheus rules and the Grafana dashboard use is in the scrape', async () => {
    const text = await scrape();
    const present = new Set([...text.matchAll(/^(vakt_\w+?)(?:\{| )/gm)].map((m) => m[1]));
    const used = new Set<string>();
    for (const file of ['prometheus/vakt-rules.yml', 'grafana/vakt.json']) for (const m of fs.readFileSync(path.join(DEPLOY, file), 'utf8').matchAll(/\bvakt_[a-z0-9_]+/g)) used.add(m[0]);
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((m) => !present.has(m))).toEqual([]);
  });

  it('promtool check rules and promtool test rules on deploy/prometheus', () => {
    const dir = path.join(DEPLOY, 'prometheus');
    const check = spawnSync('promtool', ['check', 'rules', 'vakt-rules.yml'], { cwd: dir, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const test = spawnSync('promtool', ['test', 'rules', 'vakt-rules.test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain('SUCCESS');
    // and a broken rule file is refused (the check can fail)
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-rules-')), 'bad.yml');
    fs.writeFileSync(bad, 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: vakt_node_up ==\n');
    expect(spawnSync('promtool', ['check', 'rules', bad], { encoding: 'utf8' }).status).not.toBe(0);
  });
});

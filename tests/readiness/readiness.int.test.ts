import { inRequestScope } from '../support/next-request-scope';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { cliActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { registerCluster } from '@/lib/registry/register-cluster';
import { refreshUntilIdle } from '@/lib/readmodel/refresh';
import { readClusterSafety, readContextFindings } from '@/lib/readmodel/read';
import type { TClusterBackups } from '@/lib/readiness/read-cluster-backups';
import type { TContextReadiness } from '@/lib/readiness/read-readiness';
import * as backupsRoute from '@/app/api/v1/clusters/[name]/backups/route';
import * as readinessRoute from '@/app/api/v1/contexts/[slug]/readiness/route';
import * as clusterRoute from '@/app/api/v1/clusters/[name]/route';
import { createPgCluster, waitFor, type TPgCluster } from '../support/pg-cluster';
import { declareContext } from '../support/promotion-support';
import { overrideEnv, pollOnly } from '../safety/safety-support';

// Issue 13 with a real pgBackRest repository on a real harness cluster (initdb --data-checksums):
// stanza + full backup read by the real agents and stored by the real poller, served by
// /backups; readiness values against the known inputs; a RestoreDrill row (the drill writer's table)
// makes the context trusted; a backup with page errors and a broken repository raise their findings.
const CLUSTER = 'rd-main';
const CONTEXT = 'rd-ctx';
const WAL_SEGMENT = 16 * 1024 * 1024;

let pg: TPgCluster;
let poller: { stop: () => Promise<void> } | null = null;
let viewer = '';
let admin = '';
let restoreEnv = () => {};

type THandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function call<T>(h: unknown, method: string, url: string, params: Record<string, string>, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await inRequestScope(url, () => (h as THandler)(new Request(`http://localhost:3000${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }), { params: Promise.resolve(params) }));
  return { status: res.status, body: (await res.json()) as T };
}
const backups = async () => (await call<TClusterBackups>(backupsRoute.GET, 'GET', `/api/v1/clusters/${CLUSTER}/backups`, { name: CLUSTER }, viewer)).body;
const readiness = async () => {
  await refreshUntilIdle();
  const r = await call<TContextReadiness>(readinessRoute.GET, 'GET', `/api/v1/contexts/${CONTEXT}/readiness`, { slug: CONTEXT }, viewer);
  expect(r.status).toBe(200);
  return r.body;
};
const findings = async () => {
  await refreshUntilIdle();
  return readContextFindings(CONTEXT);
};
/** An agent caches pgBackRest info for 30 s; a restart reads it again now. */
const restartAgents = async (names: string[]) => {
  for (const n of pg.nodes.filter((x) => names.includes(x.name))) {
    await n.agent!.stop();
    await n.agent!.start();
  }
};

beforeAll(async () => {
  restoreEnv = overrideEnv({ VAKT_STALE_AFTER_MS: '20000' });
  for (const [name, region] of [['oslo', 'east'], ['rd-bergen', 'west']]) await db.site.upsert({ where: { name }, create: { name, region }, update: { region } });
  pg = await createPgCluster({ primary: { name: 'rd-a', site: 'oslo' }, replicas: [{ name: 'rd-b', site: 'oslo' }], archive: 'pgbackrest', agents: 'in-process' });
  await declareContext(CONTEXT, { rpoClass: 'RPO-3', backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 1, drillCadenceDays: 7 } });
  await registerCluster({
    actor: cliActor(),
    input: { name: CLUSTER, kind: 'vakt-agent', contexts: [CONTEXT], backupRepositorySite: 'rd-bergen', members: pg.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl!, agentToken: n.agentToken! })) },
  });
  const sfx = randomBytes(3).toString('hex');
  viewer = (await createApiToken({ actor: cliActor(), input: { name: `rd-v-${sfx}`, role: 'viewer' } })).token;
  admin = (await createApiToken({ actor: cliActor(), input: { name: `rd-a-${sfx}`, role: 'admin' } })).token;
  poller = await pollOnly(CLUSTER);
  await waitFor(async () => (await backups()).members.every((m) => m.reportsCatalog && !m.stale), 20_000, 'both agents report a catalog');
}, 120_000);

afterAll(async () => {
  await poller?.stop();
  await pg?.cleanup();
  restoreEnv();
});

describe('readiness with a real pgBackRest repository', () => {
  it('stanza + full backup: the real agents report the catalog, a poll stores it, /backups serves it', async () => {
    expect((await call(backupsRoute.GET, 'GET', `/api/v1/clusters/${CLUSTER}/backups`, { name: CLUSTER }, null)).status).toBe(401);
    const raw = (await pg.pgbackrest!.info()) as Array<{ backup: Array<{ label: string; info: { size: number } }> }>;
    const b = await backups();
    expect(b.stanza).toBe('vakt');
    expect(b.repositorySite).toBe('rd-bergen');
    expect(b.repository).toMatchObject({ code: 0, error: null });
    expect(b.backupRunning).toBe(false);
    expect(b.backups.map((x) => x.label)).toEqual(raw[0].backup.map((x) => x.label));
    const [full] = b.backups;
    expect(full).toMatchObject({ type: 'full', error: false, chain: [full.label], sizeBytes: raw[0].backup[0].info.size, prior: null });
    expect(full.walStart).toMatch(/^[0-9A-F]{24}$/);
    expect(b.restoreUses).toBe(full.label);
    expect(b.archives).toHaveLength(1);
    expect(b.archives[0].min! <= full.walStart!).toBe(true);
    expect(b.pitr).toMatchObject({ fromBackup: full.label, gap: null });
  });

  it('readiness from known inputs; an external RestoreDrill row makes the context trusted', async () => {
    let r = await readiness();
    let c = r.readiness!.clusters[0];
    expect(r.stale).toBe(false);
    expect(c.pgbackrest).toBe(true);
    expect(c.trust).toMatchObject({ trusted: false, reason: 'never-drilled' });
    expect(c.restoreTime.estimate.seconds).toBeNull();
    expect((await findings()).filter((f) => f.code === 'BACKUPS_UNTRUSTED').map((f) => f.severity)).toEqual(['warning']);

    const b = await backups();
    const full = b.backups[0];
    const cluster = await db.cluster.findUniqueOrThrow({ where: { name: CLUSTER } });
    await db.restoreDrill.create({
      data: { clusterId: cluster.id, status: 'SUCCEEDED', trigger: 'external', external: true, runner: 'rd-test', requestedByLabel: 'rd-test', backupLabel: full.label, backupChain: [full.label], backupSizeBytes: full.sizeBytes, walReplayBytes: 0, restoreSeconds: 12, startedAt: new Date(Date.now() - 12_000), finishedAt: new Date() },
    });
    expect((await findings()).map((f) => f.code)).not.toContain('BACKUPS_UNTRUSTED');
    r = await readiness();
    const safety = await readClusterSafety(CLUSTER); // the report stored in the same refresh as the readiness
    c = r.readiness!.clusters[0];
    expect(c.trust).toMatchObject({ trusted: true, reason: null });
    // restore time: the drill's 12 s scaled by (backup size + WAL from the backup's end to the newest archived segment) / its size
    const est = c.restoreTime.estimate;
    expect((est.bytes! - full.sizeBytes!) % WAL_SEGMENT).toBe(0);
    expect(est.seconds).toBe(Math.round(((12 * est.bytes!) / full.sizeBytes!) * 10) / 10);
    expect(c.restoreTime.status).toBe('ok'); // RTO-2 is 15 min
    // scenarios: node loss is the engine's own estimate for rd-b; no other site or region has a replica, so
    // site and region loss restore from the repository in rd-bergen (region west, the primary's is east)
    const byName = Object.fromEntries(c.dataLoss.scenarios.map((s) => [s.scenario, s]));
    expect(byName.node).toMatchObject({ via: 'replica', node: 'rd-b', seconds: safety.candidates.find((x) => x.node === 'rd-b')!.dataLoss.worstCaseSeconds });
    expect(byName.site).toMatchObject({ via: 'restore' });
    expect(byName.region).toMatchObject({ via: 'restore' });
    expect(byName.region.basis).toContain('repository in rd-bergen');
    expect(byName.logical).toMatchObject({ via: 'pitr' });
    expect(byName.logical.seconds).toBe(byName.region.seconds);
    expect(c.restore.commands.latest).toBe(`pgbackrest --config=${pg.pgbackrest!.configPath} --stanza=vakt --delta restore`);
    expect(c.restore.commands.pointInTime).toContain('--type=time --target="');
    expect(c.crossSite.summary).toContain('No cross-site candidate');
    // the repository site answers unknown once it is not declared (PATCH, admin, validated, audited)
    expect((await call(clusterRoute.PATCH, 'PATCH', `/api/v1/clusters/${CLUSTER}`, { name: CLUSTER }, admin, { backupRepositorySite: 'atlantis' })).status).toBe(422);
    expect((await call(clusterRoute.PATCH, 'PATCH', `/api/v1/clusters/${CLUSTER}`, { name: CLUSTER }, viewer, { backupRepositorySite: null })).status).toBe(403);
    expect((await call(clusterRoute.PATCH, 'PATCH', `/api/v1/clusters/${CLUSTER}`, { name: CLUSTER }, admin, { backupRepositorySite: null })).status).toBe(200);
    expect(await db.auditEvent.findFirst({ where: { action: 'cluster.updated', targetId: CLUSTER }, orderBy: { id: 'desc' } })).toMatchObject({ before: { backupRepositorySite: 'rd-bergen' }, after: { backupRepositorySite: null } });
    const region = (await readiness()).readiness!.clusters[0].dataLoss.scenarios.find((s) => s.scenario === 'region')!;
    expect(region).toMatchObject({ via: 'unknown', seconds: null });
    expect(region.basis).toContain('its site is not declared');
  });

  it('a backup with page errors: pgBackRest marks it, BACKUP_HAS_ERRORS is an error (a restore would use it), and the new backup is untrusted', async () => {
    const primary = pg.primary;
    await primary.psql(`CREATE TABLE rd_pages AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 2000) g`);
    await primary.psql('CHECKPOINT');
    const [{ file }] = await primary.psql<{ file: string }>(`SELECT pg_relation_filepath('rd_pages') AS file`);
    const fd = fs.openSync(path.join(primary.dataDir, file), 'r+');
    fs.writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, 8192 + 4000); // inside the second page, after its header
    fs.closeSync(fd);
    await pg.pgbackrest!.backup({ type: 'full' });
    await restartAgents([primary.name]);
    await waitFor(async () => (await backups()).backups.length === 2, 20_000, 'the second backup in the stored catalog');
    const b = await backups();
    expect(b.backups[0].error).toBe(true);
    expect(b.restoreUses).toBe(b.backups[0].label);
    const f = await findings();
    expect(f.find((x) => x.code === 'BACKUP_HAS_ERRORS')).toMatchObject({ severity: 'error' });
    expect(f.find((x) => x.code === 'BACKUP_HAS_ERRORS')!.message).toContain(b.backups[0].label);
    expect(f.find((x) => x.code === 'BACKUPS_UNTRUSTED')).toMatchObject({ severity: 'warning' });
    expect((await readiness()).readiness!.clusters[0].trust.reason).toBe('other-backup');
  });

  it('a broken repository: the catalog carries pgBackRest\'s status and NO_BACKUP names it', async () => {
    const repo = pg.pgbackrest!.repoPath;
    fs.renameSync(repo, `${repo}.broken`);
    try {
      await restartAgents(pg.nodes.map((n) => n.name));
      await waitFor(async () => (await backups()).backups.length === 0, 20_000, 'the empty catalog stored');
      const b = await backups();
      expect(b.repository!.code).not.toBe(0);
      const f = await findings();
      const nb = f.find((x) => x.code === 'NO_BACKUP');
      expect(nb).toMatchObject({ severity: 'error' });
      expect(nb!.message).toContain(b.repository!.error ?? b.repository!.message);
      const c = (await readiness()).readiness!.clusters[0];
      expect(c.backup.status).toBe('bad');
      expect(c.trust.reason).toBe('no-backup');
    } finally {
      fs.renameSync(`${repo}.broken`, repo);
    }
  });
});

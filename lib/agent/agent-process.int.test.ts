import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCluster, type TPgCluster } from '@/tests/support/pg-cluster';
import { ZBackupCatalog } from './protocol.ts';

// The agent as it is deployed: the esbuild bundle (scripts/build-agent.mjs) run by plain `node`
// as a child process, next to a primary archiving into pgBackRest.

const root = path.resolve(import.meta.dirname, '../..');
const bundle = path.join(os.tmpdir(), `vakt-agent-test-${process.pid}.mjs`);
let cluster: TPgCluster;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(root, 'scripts/build-agent.mjs'), '--outfile', bundle], { stdio: 'pipe' });
  process.env.VAKT_TEST_AGENT_BUNDLE = bundle;
  cluster = await createPgCluster({
    primary: { name: 'p1', site: 'oslo' },
    replicas: [{ name: 'p2', site: 'bergen' }],
    archive: 'pgbackrest',
    agents: 'child-process',
  });
});
afterAll(async () => {
  delete process.env.VAKT_TEST_AGENT_BUNDLE;
  await cluster?.cleanup();
  fs.rmSync(bundle, { force: true });
});

describe('bundled agent', () => {
  it('refuses to start with a bad configuration, naming each variable', () => {
    const r = spawnSync(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', VAKT_AGENT_TOKEN: 'short', VAKT_AGENT_LISTEN: 'nope' } as unknown as NodeJS.ProcessEnv, encoding: 'utf8' });
    expect(r.status).toBe(2);
    for (const key of ['VAKT_AGENT_TOKEN', 'VAKT_AGENT_LISTEN', 'VAKT_AGENT_SITE', 'VAKT_AGENT_PG_URL', 'VAKT_AGENT_DATA_DIR', 'VAKT_AGENT_STATE_DIR']) {
      expect(r.stderr).toContain(key);
    }
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports the pgBackRest catalog with the full backup, and WAL archiving', async () => {
    const [s1, s2] = await Promise.all(cluster.nodes.map((n) => n.agent!.status()));
    for (const s of [s1, s2]) {
      const cat = ZBackupCatalog.parse(s.backups);
      expect(cat.error).toBeUndefined();
      expect(cat.stanza).toBe('vakt');
      expect(cat.status).toEqual({ code: 0, message: 'ok' });
      expect(cat.backups).toHaveLength(1);
      expect(cat.backups[0]).toMatchObject({ type: 'full', error: false });
      expect(cat.backups[0].label).toMatch(/F$/);
      expect(cat.backups[0].sizeBytes).toBeGreaterThan(1_000_000);
      expect(cat.walArchiveMin).toMatch(/^[0-9A-F]{24}$/);
    }
    expect(s1.postgres.settings).toMatchObject({ archiveMode: 'on' });
    expect(s1.postgres.settings!.archiveCommand).toContain('archive-push');
    expect(s1.postgres.archiver!.archivedCount).toBeGreaterThan(0);
    expect(s1.postgres.archiver!.failedCount).toBe(0);
  });

  it('reports a failing pgBackRest as a catalog with an error', async () => {
    const a = cluster.node('p2').agent!;
    await a.stop(); // also drops the 30 s catalog cache
    a.env.VAKT_AGENT_PGBACKREST_BIN = '/bin/false';
    try {
      await a.start();
      const cat = ZBackupCatalog.parse((await a.status()).backups);
      expect(cat.error).toMatch(/pgbackrest info exited 1/);
      expect(cat.backups).toEqual([]);
    } finally {
      await a.stop();
      delete a.env.VAKT_AGENT_PGBACKREST_BIN;
      await a.start();
    }
    expect((await a.status()).backups!.error).toBeUndefined();
  });

  it('stays fenced after being killed with SIGKILL and restarted', async () => {
    const p1 = cluster.primary;
    const r = await p1.agent!.fence(5, 'kill test');
    expect(r.status).toBe(200);
    expect(await p1.isRunning()).toBe(false);
    await p1.agent!.kill();
    await p1.agent!.start();
    const s = await p1.agent!.status();
    expect(s.fencing).toMatchObject({ epoch: 5, fenced: true, reason: 'kill test' });
    expect(s.postgres.reachable).toBe(false);
    expect((await p1.agent!.fence(4, 'stale')).status).toBe(409);
  });

  it('exits 0 on SIGTERM', async () => {
    const a = cluster.node('p2').agent!;
    await a.stop();
    expect(a.exitCode()).toBe(0);
  });
});

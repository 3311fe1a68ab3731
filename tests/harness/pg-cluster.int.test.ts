import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCluster, waitFor, type TPgCluster } from '../support/pg-cluster.ts';

// The harness itself: lifecycle helpers, archiving, and that cleanup happens even when the test
// process exits or is terminated without calling cleanup().

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('createPgCluster', () => {
  let c: TPgCluster;
  beforeAll(async () => {
    c = await createPgCluster({ primary: { name: 'solo', site: 's1' }, archive: true, agents: false, settings: { max_connections: '30' } });
  });
  afterAll(async () => {
    await c?.cleanup();
  });

  it('runs a primary with the requested settings, checksums and a working archive', async () => {
    const p = c.primary;
    const [row] = await p.psql(`SELECT current_setting('cluster_name') AS name, current_setting('max_connections') AS mc,
      current_setting('data_checksums') AS cs, current_setting('listen_addresses') AS la, pg_switch_wal() IS NOT NULL AS switched`);
    expect(row).toEqual({ name: 'solo', mc: '30', cs: 'on', la: '127.0.0.1', switched: true });
    await waitFor(async () => fs.readdirSync(c.archiveDir!).length > 0, 10_000, 'archived WAL');
    expect(fs.statSync(p.dataDir).uid).toBe(process.getuid?.() === 0 ? Number(fs.statSync(c.baseDir).uid) : process.getuid?.());
  });

  it('stops, kills and starts the server', async () => {
    const p = c.primary;
    await p.stopPg();
    expect(await p.isRunning()).toBe(false);
    expect(await portOpen(p.port)).toBe(false);
    await p.startPg();
    expect(await p.isRunning()).toBe(true);
    await p.killPg();
    expect(await p.isRunning()).toBe(false);
    await p.startPg(); // crash recovery
    expect((await p.psql('SELECT 1 AS one'))[0].one).toBe(1);
  });

  it('cleanup stops everything and removes the temp dir', async () => {
    const { baseDir } = c;
    const { port } = c.primary;
    await c.cleanup();
    expect(fs.existsSync(baseDir)).toBe(false);
    expect(await portOpen(port)).toBe(false);
  });
});

describe('cleanup without cleanup()', () => {
  const script = path.join(os.tmpdir(), `vakt-harness-orphan-${process.pid}.mts`);
  beforeAll(() => {
    fs.writeFileSync(
      script,
      `import { createPgCluster } from ${JSON.stringify(path.resolve(import.meta.dirname, '../support/pg-cluster.ts'))};
       const c = await createPgCluster({ primary: { name: 'o1', site: 's' }, agents: false });
       console.log(JSON.stringify({ baseDir: c.baseDir, port: c.primary.port }));
       if (process.argv[2] === 'exit') process.exit(0);
       setInterval(() => {}, 1000);`,
    );
  });
  afterAll(() => fs.rmSync(script, { force: true }));

  it.each(['exit', 'SIGTERM'])('on %s', async (how) => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = spawn(process.execPath, ['--import', tsx, script, how], { stdio: ['ignore', 'pipe', 'inherit'] });
    const info = await new Promise<{ baseDir: string; port: number }>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`child exited ${code} before reporting`)));
    });
    const exited = new Promise((r) => child.once('exit', r));
    if (how === 'SIGTERM') {
      expect(await portOpen(info.port)).toBe(true);
      child.kill('SIGTERM');
    }
    await exited;
    expect(fs.existsSync(info.baseDir)).toBe(false);
    expect(await portOpen(info.port)).toBe(false);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { findPgBinaries } from '../../scripts/pglocal/binaries.ts';
import { getFreePort } from '../../scripts/pglocal/ports.ts';
import { waitFor } from '../../scripts/pglocal/wait-for.ts';
import { PG_OS_USER } from '../../scripts/pglocal/run-as.ts';
import { createHarnessAgent, type THarnessAgent } from './pg-cluster.ts';

// A throwaway Patroni cluster for tests: one etcd (loopback) and N Patroni nodes (Debian `patroni`,
// `etcd-server`), on free ports in one temp dir, run as the postgres OS user when we are root.
// Cleanup (always, also on process exit): Patroni stopped (it stops PostgreSQL), etcd killed,
// leftover postmasters stopped, the temp dir removed.
export type TPatroniNode = { name: string; apiUrl: string; pgPort: number; dataDir: string; configFile: string; process: ChildProcess; logFile: string };
export type TPatroniCluster = {
  scope: string;
  baseDir: string;
  nodes: TPatroniNode[];
  /** user:password for the REST API's basic auth */
  credentials: string;
  etcdUrl: string;
  api<T = any>(node: TPatroniNode, urlPath: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  setPause(paused: boolean): Promise<void>;
  leader(): Promise<TPatroniNode>;
  /** Stops a node's PostgreSQL behind Patroni's back (`pg_ctl stop -m immediate`, a crash). In pause mode Patroni does not restart it. */
  stopPostgres(node: TPatroniNode): void;
  /**
   * Kills a node's Patroni process (the python process and its runuser wrapper, found by the node's
   * config file in their arguments), not its PostgreSQL. In pause mode Patroni neither stops PostgreSQL
   * on exit nor hands the leader lock over: the postmaster keeps running and its replicas keep streaming.
   * Resolves once the processes are gone.
   */
  killPatroni(node: TPatroniNode, signal?: NodeJS.Signals): Promise<number[]>;
  cleanup(): Promise<void>;
};

const IS_ROOT = process.getuid?.() === 0;
const PG_USER = IS_ROOT ? 'postgres' : os.userInfo().username;
const live = new Set<() => void>();
let exitHooked = false;

/** One query on a Patroni node's PostgreSQL, as the postgres user over TCP (a fresh connection, 5 s to connect). */
export async function patroniSql<T = Record<string, unknown>>(node: TPatroniNode, text: string): Promise<T[]> {
  const c = new pg.Client({ host: '127.0.0.1', port: node.pgPort, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

export function patroniAvailable(): boolean {
  return ['patroni', 'etcd'].every((b) => {
    try {
      execFileSync('which', [b], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}

/** Installs patroni + etcd with apt when missing (CI runs on a clean machine). */
export function ensurePatroni(): void {
  if (patroniAvailable()) return;
  if (!IS_ROOT) throw new Error('patroni/etcd missing: apt-get install -y patroni etcd-server etcd-client');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patroni etcd-server etcd-client'], { stdio: 'ignore', timeout: 600_000 });
}

function chown(p: string) {
  if (!IS_ROOT) return;
  execFileSync('chown', ['-R', `${PG_USER}:${PG_USER}`, p]);
}
function asPg(cmd: string, args: string[]): [string, string[]] {
  return IS_ROOT ? ['runuser', ['-u', PG_USER, '--', cmd, ...args]] : [cmd, args];
}

export async function createPatroniCluster(opts: { nodes?: number; scope?: string } = {}): Promise<TPatroniCluster> {
  ensurePatroni();
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => live.forEach((f) => f()));
  }
  const bin = findPgBinaries().bin;
  const n = opts.nodes ?? 2;
  const scope = opts.scope ?? `vakt-${Date.now().toString(36)}`;
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-patroni-'));
  fs.chmodSync(baseDir, 0o755);
  const user = 'vakt';
  const password = 'patroni-test-pw';
  const children: ChildProcess[] = [];
  const nodes: TPatroniNode[] = [];
  let cleaned = false;

  const killAllSync = () => {
    for (const c of children) {
      try {
        if (c.pid) process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const node of nodes) {
      try {
        execFileSync(...asPg(path.join(bin, 'pg_ctl'), ['-D', node.dataDir, 'stop', '-m', 'immediate']), { stdio: 'ignore', timeout: 10_000 });
      } catch {
        /* not running */
      }
    }
    fs.rmSync(baseDir, { recursive: true, force: true });
  };
  live.add(killAllSync);

  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    // graceful: Patroni stops its PostgreSQL on SIGTERM
    await Promise.all(
      children.slice(1).map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || !c.pid) return resolve();
            const t = setTimeout(() => resolve(), 15_000);
            c.once('exit', () => (clearTimeout(t), resolve()));
            try {
              process.kill(-c.pid, 'SIGTERM');
            } catch {
              resolve();
            }
          }),
      ),
    );
    killAllSync();
    live.delete(killAllSync);
  };

  const spawnLogged = (cmd: string, args: string[], logFile: string) => {
    const out = fs.openSync(logFile, 'a');
    const [c, a] = asPg(cmd, args);
    const child = spawn(c, a, { detached: true, stdio: ['ignore', out, out], cwd: baseDir });
    fs.closeSync(out);
    child.unref();
    children.push(child);
    return child;
  };

  try {
    const [clientPort, peerPort] = [await getFreePort(), await getFreePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    fs.mkdirSync(path.join(baseDir, 'etcd'), { mode: 0o700 });
    chown(baseDir);
    spawnLogged(
      'etcd',
      [
        '--name', 'e0', '--data-dir', path.join(baseDir, 'etcd'),
        '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
        '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-cluster', `e0=http://127.0.0.1:${peerPort}`, '--initial-cluster-state', 'new',
      ],
      path.join(baseDir, 'etcd.log'),
    );
    await waitFor(async () => (await fetch(`${etcdUrl}/health`).then((r) => r.ok).catch(() => false)), 20_000, 'etcd healthy');

    for (let i = 0; i < n; i++) {
      const name = `pg${i + 1}`;
      const [apiPort, pgPort] = [await getFreePort(), await getFreePort()];
      const dataDir = path.join(baseDir, name);
      const configFile = path.join(baseDir, `${name}.yml`);
      const logFile = path.join(baseDir, `${name}.log`);
      fs.writeFileSync(
        configFile,
        [
          `scope: ${scope}`,
          `namespace: /vakt-test/`,
          `name: ${name}`,
          `restapi:`,
          `  listen: 127.0.0.1:${apiPort}`,
          `  connect_address: 127.0.0.1:${apiPort}`,
          `  authentication: {username: ${user}, password: ${password}}`,
          `etcd3:`,
          `  hosts: 127.0.0.1:${clientPort}`,
          `bootstrap:`,
          `  dcs:`,
          `    ttl: 10`,
          `    loop_wait: 1`,
          `    retry_timeout: 5`,
          `    maximum_lag_on_failover: 1048576`,
          `    postgresql:`,
          `      use_pg_rewind: true`,
          `      parameters: {wal_level: replica, hot_standby: 'on', max_wal_senders: 10, max_replication_slots: 10, wal_log_hints: 'on', wal_keep_size: 64MB}`,
          `  initdb: [{encoding: UTF8}, data-checksums]`,
          `postgresql:`,
          `  listen: 127.0.0.1:${pgPort}`,
          `  connect_address: 127.0.0.1:${pgPort}`,
          `  data_dir: ${dataDir}`,
          `  bin_dir: ${bin}`,
          `  pgpass: ${path.join(baseDir, `${name}.pgpass`)}`,
          `  authentication:`,
          `    replication: {username: replicator, password: rep-pw}`,
          `    superuser: {username: postgres, password: su-pw}`,
          `  parameters: {unix_socket_directories: '${baseDir}', max_connections: 30, shared_buffers: 16MB}`,
          `  pg_hba: ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust']`,
          `tags: {nofailover: false, noloadbalance: false, clonefrom: false, nosync: false}`,
          '',
        ].join('\n'),
      );
      chown(baseDir);
      const proc = spawnLogged('patroni', [configFile], logFile);
      nodes.push({ name, apiUrl: `http://127.0.0.1:${apiPort}`, pgPort, dataDir, configFile, process: proc, logFile });
      if (i === 0) {
        await waitFor(async () => (await getJson(nodes[0], '/patroni'))?.role === 'master' || (await getJson(nodes[0], '/patroni'))?.role === 'primary', 60_000, `${name} leader`);
      }
    }
    await waitFor(
      async () => {
        const c = await getJson(nodes[0], '/cluster');
        return c?.members?.length === n && c.members.filter((m: { role: string; state: string; lag?: unknown }) => m.role !== 'leader').every((m: { state: string; lag?: unknown }) => ['running', 'streaming'].includes(m.state) && typeof m.lag === 'number');
      },
      60_000,
      'replicas streaming',
    );

    const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    const api = async (node: TPatroniNode, urlPath: string, init: { method?: string; body?: unknown } = {}) => {
      const r = await fetch(node.apiUrl + urlPath, {
        method: init.method ?? 'GET',
        headers: { authorization: auth, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        body: init.body ? JSON.stringify(init.body) : undefined,
      });
      const text = await r.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* text */
      }
      return { status: r.status, body: body as any };
    };
    return {
      scope,
      baseDir,
      nodes,
      credentials: `${user}:${password}`,
      etcdUrl,
      api,
      async setPause(paused) {
        const r = await api(nodes[0], '/config', { method: 'PATCH', body: { pause: paused } });
        if (r.status !== 200) throw new Error(`PATCH /config pause=${paused}: ${r.status} ${JSON.stringify(r.body)}`);
        // every member's view (its DCS cache) must agree, not just the one we asked
        await waitFor(
          async () => (await Promise.all(nodes.map(async (x) => Boolean((await getJson(x, '/cluster'))?.pause) === paused && Boolean((await getJson(x, '/patroni'))?.pause) === paused))).every(Boolean),
          20_000,
          `pause=${paused} on every member`,
        );
      },
      async leader() {
        for (const node of nodes) if (['master', 'primary'].includes((await getJson(node, '/patroni'))?.role)) return node;
        throw new Error('no leader');
      },
      stopPostgres(node) {
        execFileSync(...asPg(path.join(bin, 'pg_ctl'), ['-D', node.dataDir, 'stop', '-m', 'immediate', '-w']), { stdio: 'ignore', timeout: 30_000, env: { ...process.env, ...findPgBinaries().env } });
      },
      async killPatroni(node, signal = 'SIGKILL') {
        const pids = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
          .split('\n')
          .map((l) => l.trim().match(/^(\d+)\s+(.*)$/))
          .filter((m): m is RegExpMatchArray => Boolean(m && m[2].includes(node.configFile) && /patroni/.test(m[2])))
          .map((m) => Number(m[1]));
        if (pids.length === 0) throw new Error(`no Patroni process for ${node.name}`);
        for (const pid of pids) {
          try {
            process.kill(pid, signal);
          } catch {
            /* gone */
          }
        }
        // gone = no /proc entry, or a zombie nobody reaped yet
        const alive = (pid: number) => {
          try {
            return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
          } catch {
            return false;
          }
        };
        await waitFor(async () => pids.every((pid) => !alive(pid)), 15_000, `Patroni of ${node.name} gone`);
        return pids;
      },
      cleanup,
    };
  } catch (e) {
    const logs = nodes.map((x) => `--- ${x.name}\n${fs.existsSync(x.logFile) ? fs.readFileSync(x.logFile, 'utf8').slice(-2000) : ''}`).join('\n');
    await cleanup();
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
}

async function getJson(node: { apiUrl: string }, p: string): Promise<any> {
  try {
    const r = await fetch(node.apiUrl + p, { signal: AbortSignal.timeout(2000) });
    return await r.json();
  } catch {
    return null;
  }
}

/**
 * A Vakt agent beside each Patroni member (in this process; the node's name, data directory and
 * PostgreSQL as the postgres user over loopback), as the README's "A Vakt agent beside a Patroni member"
 * deploys one: it fences the member in pause mode and reports its WAL receiver. Stop them before cleanup.
 */
export async function startAgentsBeside(p: TPatroniCluster, site: string): Promise<Map<string, THarnessAgent>> {
  const bin = findPgBinaries().bin;
  const out = new Map<string, THarnessAgent>();
  for (const n of p.nodes) {
    const stateDir = path.join(p.baseDir, 'agents', n.name);
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const env: Record<string, string> = {
      VAKT_AGENT_LISTEN: `127.0.0.1:${await getFreePort()}`,
      VAKT_AGENT_TOKEN: `beside-${n.name}-${Math.random().toString(36).slice(2)}`,
      VAKT_AGENT_NODE: n.name,
      VAKT_AGENT_SITE: site,
      VAKT_AGENT_PG_URL: `postgresql://postgres@127.0.0.1:${n.pgPort}/postgres`,
      VAKT_AGENT_DATA_DIR: n.dataDir,
      VAKT_AGENT_PG_BIN: bin,
      VAKT_AGENT_RUN_AS: PG_OS_USER,
      VAKT_AGENT_STATE_DIR: stateDir,
      VAKT_AGENT_LOG_LEVEL: process.env.VAKT_TEST_AGENT_LOG ?? 'silent',
      VAKT_AGENT_PG_TIMEOUT_MS: '3000',
    };
    const agent = createHarnessAgent({ mode: 'in-process', env, baseDir: p.baseDir, name: n.name, children: new Set() });
    await agent.start();
    out.set(n.name, agent);
  }
  return out;
}


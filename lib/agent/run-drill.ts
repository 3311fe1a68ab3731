import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { boundOutput, drillRestoreCommand, drillSpaceNeeded, judgeTargetStop, resolveDrillBackup, restoreArgs, scratchSettings, type TResolvedBackup } from './drill-plan.ts';
import { withPg, pgErrorMessage } from './pg-client.ts';
import type { TDrillCheck, TDrillRequest, TDrillState, TDrillStepState } from './protocol.ts';
import { runCommand } from './run-command.ts';
import type { TAgentContext } from './types.ts';
import { writeSynced } from './write-synced.ts';

// One restore drill on this agent (docs/agent-protocol.md "Restore drills"): resolve the backup,
// check free space, `pgbackrest restore` into a scratch directory, start it on a spare port (a socket
// in its private directory only), wait until recovery ended, check it, tear it down. Every step is
// recorded with its output and duration. A marker in the state directory names the scratch directory
// while it exists, so a crashed drill's instance is removed at the next start (sweepDrillScratch).

export const DRILL_MARKER = 'drill-active.json';
const DEFAULT_TIMEOUT_S = 3600;
type TMarker = { drillId: string; scratchDir: string; startedAt: string };

class DrillStop extends Error {}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** The data directory's owner: when the agent runs as root, the scratch files get it (PostgreSQL refuses root). */
async function ownerOf(ctx: TAgentContext): Promise<{ uid: number; gid: number } | null> {
  if (process.getuid?.() !== 0) return null;
  const st = await fs.stat(ctx.config.dataDir).catch(() => null);
  return st ? { uid: st.uid, gid: st.gid } : null;
}

async function stopScratch(ctx: TAgentContext, dataDir: string): Promise<string> {
  const pidFile = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  if (pidFile === null) return 'no postmaster';
  const r = await runCommand({ file: path.join(ctx.config.pgBin, 'pg_ctl'), args: ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30'], runAs: ctx.config.runAs, timeoutMs: 40_000 });
  if (r.code === 0) return 'postmaster stopped (immediate)';
  const pid = Number(pidFile.split('\n')[0]);
  if (pid > 1) {
    try {
      process.kill(pid, 'SIGKILL');
      return `pg_ctl stop failed (${boundOutput(r.stderr || r.stdout)}); postmaster ${pid} killed`;
    } catch {
      /* gone */
    }
  }
  return `pg_ctl stop exited ${r.code}: ${boundOutput(r.stderr || r.stdout)}`;
}

/** At agent start: stop and remove the scratch instance a crashed drill left (named by the marker). Returns its drill id. */
export async function sweepDrillScratch(ctx: TAgentContext): Promise<{ drillId: string; detail: string } | null> {
  const file = path.join(ctx.config.stateDir, DRILL_MARKER);
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  let m: TMarker | null = null;
  try {
    m = JSON.parse(text) as TMarker;
  } catch {
    /* torn marker: nothing to remove but the marker */
  }
  let detail = 'marker unreadable; removed';
  if (m?.scratchDir && path.basename(m.scratchDir).startsWith('vakt-drill-')) {
    const stopped = await stopScratch(ctx, path.join(m.scratchDir, 'data'));
    await fs.rm(m.scratchDir, { recursive: true, force: true });
    detail = `scratch instance ${m.scratchDir} of an interrupted drill removed (${stopped})`;
  }
  await fs.rm(file, { force: true });
  ctx.log.warn({ drillId: m?.drillId, detail }, 'restore drill: removed the scratch instance of a crashed drill');
  return m?.drillId ? { drillId: m.drillId, detail } : null;
}

export type TDrillRun = { state: TDrillState; abort(reason: string): void; done: Promise<void> };

export function runDrill(ctx: TAgentContext, req: TDrillRequest): TDrillRun {
  const cfg = ctx.config;
  const state: TDrillState = {
    drillId: req.drillId,
    status: 'running',
    startedAt: new Date().toISOString(),
    finishedAt: null,
    targetTime: req.targetTime ?? null,
    backup: null,
    restoreSeconds: null,
    steps: [],
    checks: [],
    error: null,
  };
  const ac = new AbortController();
  let stopReason: { status: 'failed' | 'aborted'; message: string } | null = null;
  const abort = (status: 'failed' | 'aborted', message: string) => {
    if (stopReason) return;
    stopReason = { status, message };
    ac.abort();
  };
  const timeoutS = req.timeoutSeconds ?? DEFAULT_TIMEOUT_S;
  const deadline = Date.now() + timeoutS * 1000;
  const timer = setTimeout(() => abort('failed', `the drill timed out after ${timeoutS} s`), timeoutS * 1000);
  timer.unref();
  const remainingMs = () => Math.max(1_000, deadline - Date.now());
  const checkStop = () => {
    if (stopReason) throw new DrillStop(stopReason.message);
  };

  async function step<T>(name: string, fn: () => Promise<{ output: string; value?: T }>): Promise<T | undefined> {
    checkStop();
    const s: TDrillStepState = { name, status: 'running', startedAt: new Date().toISOString(), durationMs: null, output: null };
    state.steps.push(s);
    const t0 = performance.now();
    try {
      const r = await fn();
      s.status = 'ok';
      s.output = boundOutput(r.output);
      return r.value;
    } catch (e) {
      s.status = 'failed';
      s.output = boundOutput(stopReason ? stopReason.message : (e as Error).message);
      throw e;
    } finally {
      s.durationMs = Math.round(performance.now() - t0);
    }
  }
  const check = (c: TDrillCheck) => state.checks.push({ ...c, detail: boundOutput(c.detail).slice(0, 2000) });

  let scratchDir: string | null = null;
  const markerFile = path.join(cfg.stateDir, DRILL_MARKER);

  async function main(): Promise<void> {
    const pb = cfg.pgbackrest;
    if (!pb) throw new Error('pgBackRest is not configured on this agent (VAKT_AGENT_PGBACKREST_STANZA): it cannot run drills');
    const backup = (await step<TResolvedBackup>('resolve backup', async () => {
      const r = await runCommand({ file: pb.bin, args: [...(pb.config ? [`--config=${pb.config}`] : []), `--stanza=${pb.stanza}`, '--output=json', 'info'], runAs: cfg.runAs, timeoutMs: 30_000, signal: ac.signal, killSignal: 'SIGTERM' });
      if (r.code !== 0) throw new Error(`pgbackrest info exited ${r.code}: ${r.stderr || r.stdout}`);
      let raw: unknown;
      try {
        raw = JSON.parse(r.stdout);
      } catch {
        throw new Error('pgbackrest info printed invalid JSON');
      }
      const b = resolveDrillBackup(raw, pb.stanza, req);
      if ('error' in b) throw new Error(b.error);
      state.backup = { label: b.label, type: b.type, sizeBytes: b.sizeBytes, stoppedAt: b.stoppedAt, chain: b.chain };
      return { output: `${b.label} (${b.type}, ${b.sizeBytes ?? '?'} bytes, stopped ${b.stoppedAt ?? '?'}; chain ${b.chain.join(' → ')})`, value: b };
    }))!;

    await step('free space', async () => {
      const st = await fs.statfs(cfg.drillDir);
      const free = Number(st.bavail) * Number(st.bsize);
      const need = drillSpaceNeeded(backup.sizeBytes);
      const text = `${cfg.drillDir}: ${free} bytes free, ${need} needed (backup ${backup.sizeBytes ?? '?'} bytes + 20 % + 64 MiB)`;
      if (free < need) throw new Error(`not enough space: ${text}`);
      return { output: text };
    });

    const owner = await ownerOf(ctx);
    const chown = async (p: string) => {
      if (owner) await fs.chown(p, owner.uid, owner.gid);
    };
    const dir = path.join(cfg.drillDir, `vakt-drill-${req.drillId}`);
    const dataDir = path.join(dir, 'data');
    const port = await freePort();
    await step('prepare scratch directory', async () => {
      // the marker first: a crash from here on leaves a directory the next start removes
      await writeSynced(markerFile, JSON.stringify({ drillId: req.drillId, scratchDir: dir, startedAt: state.startedAt } satisfies TMarker));
      scratchDir = dir;
      await fs.rm(dir, { recursive: true, force: true });
      await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
      await fs.chmod(dir, 0o700);
      await chown(dir);
      await chown(dataDir);
      return { output: `${dir} (port ${port}, socket only)` };
    });

    const t0 = performance.now();
    await step('pgbackrest restore', async () => {
      const r = await runCommand({ file: pb.bin, args: restoreArgs(pb, { pgPath: dataDir, label: backup.label, targetTime: req.targetTime }), runAs: cfg.runAs, timeoutMs: remainingMs(), signal: ac.signal, killSignal: 'SIGTERM' });
      checkStop();
      if (r.code !== 0) throw new Error(`pgbackrest restore exited ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr || r.stdout}`);
      return { output: (r.stdout + r.stderr).split('\n').filter((l) => /INFO: (restore|write|remap)|P00/.test(l)).slice(-20).join('\n') || 'restored' };
    });

    await step('configure scratch instance', async () => {
      const files = { conf: path.join(dir, 'drill.conf'), hba: path.join(dir, 'pg_hba.conf'), ident: path.join(dir, 'pg_ident.conf') };
      await fs.writeFile(files.conf, '# vakt-agent restore drill: settings are in the data directory\'s postgresql.auto.conf\n', { mode: 0o600 });
      // the socket directory is private to the instance's OS user: only it (and root) can connect
      await fs.writeFile(files.hba, 'local all all trust\n', { mode: 0o600 });
      await fs.writeFile(files.ident, '', { mode: 0o600 });
      await fs.appendFile(path.join(dataDir, 'postgresql.auto.conf'), scratchSettings({ port, socketDir: dir, hbaFile: files.hba, identFile: files.ident, restoreCommand: drillRestoreCommand(pb, dataDir) }));
      for (const f of Object.values(files)) await chown(f);
      return { output: `port ${port}; listen_addresses ''; archive_mode off; primary_conninfo ''; hot_standby off` };
    });

    await step('start', async () => {
      const r = await runCommand({
        file: path.join(cfg.pgBin, 'pg_ctl'),
        args: ['start', '-D', dataDir, '-W', '-l', path.join(dir, 'postgres.log'), '-o', `-c config_file=${path.join(dir, 'drill.conf')}`],
        runAs: cfg.runAs,
        timeoutMs: 30_000,
        signal: ac.signal,
      });
      if (r.code !== 0) throw new Error(`pg_ctl start exited ${r.code}: ${r.stderr || r.stdout}`);
      return { output: (r.stdout || 'started').trim() };
    });

    const user = (() => {
      try {
        return decodeURIComponent(new URL(cfg.pgUrl).username) || cfg.runAs;
      } catch {
        return cfg.runAs;
      }
    })();
    const query = async <R,>(o: { user: string; database: string }, sql: string, timeoutMs = 10_000): Promise<R[]> => {
      const c = new pg.Client({ host: dir, port, user: o.user, database: o.database, connectionTimeoutMillis: 5_000, statement_timeout: timeoutMs, query_timeout: timeoutMs + 1_000, application_name: 'vakt-drill' });
      c.on('error', () => {});
      try {
        await c.connect();
        return (await c.query(sql)).rows as R[];
      } finally {
        await c.end().catch(() => {});
      }
    };
    const logTail = async () => boundOutput((await fs.readFile(path.join(dir, 'postgres.log'), 'utf8').catch(() => '')).split('\n').slice(-15).join('\n'));

    // Recovery replays WAL from the archive (restore_command: pgbackrest archive-get) up to the target
    // or the archive's end, then promotes. hot_standby is off: it accepts no connection before that.
    let superuser = user;
    await step('recovery', async () => {
      let last = '';
      for (;;) {
        checkStop();
        if (Date.now() > deadline) throw new Error('recovery did not end before the drill timed out');
        const pid = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
        if (pid === null && last) throw new Error(`the scratch instance stopped during recovery: ${await logTail()}`);
        try {
          const [r] = await query<{ rec: boolean; su: string }>({ user, database: 'postgres' }, `SELECT pg_is_in_recovery() AS rec, (SELECT rolname FROM pg_roles WHERE oid = 10) AS su`);
          if (!r.rec) {
            superuser = r.su;
            break;
          }
          last = 'in recovery';
        } catch (e) {
          last = pgErrorMessage(e);
        }
        await new Promise((res) => setTimeout(res, 250));
      }
      state.restoreSeconds = Math.round((performance.now() - t0) / 10) / 100;
      return { output: `recovery ended; usable after ${state.restoreSeconds} s\n${await logTail()}` };
    });

    await step('checks', async () => {
      check({ name: 'connects', ok: true, detail: `connected over the scratch socket as ${user}; superuser ${superuser}` });
      const [{ sysid }] = await query<{ sysid: string }>({ user: superuser, database: 'postgres' }, `SELECT system_identifier::text AS sysid FROM pg_control_system()`);
      const own = req.systemIdentifier
        ? null
        : await withPg(cfg, async (c) => (await c.query<{ sysid: string }>(`SELECT system_identifier::text AS sysid FROM pg_control_system()`)).rows[0]).catch(() => null);
      const expected = req.systemIdentifier
        ? { id: req.systemIdentifier, basis: "the cluster's (as Vakt observed it)" }
        : own
          ? { id: own.sysid, basis: "the drill host's own instance" }
          : backup.systemIdentifier
            ? { id: backup.systemIdentifier, basis: "pgBackRest's stanza" }
            : null;
      check({
        name: 'system identifier',
        ok: expected !== null && expected.id === sysid,
        detail: expected ? `${sysid}; expected ${expected.id} (${expected.basis})` : `${sysid}; nothing to compare it with`,
      });
      const dbs = (await query<{ datname: string }>({ user: superuser, database: 'postgres' }, `SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname`)).map((r) => r.datname);
      const want = req.expectDatabases ?? [];
      const missing = want.filter((d) => !dbs.includes(d));
      check({ name: 'databases', ok: missing.length === 0, detail: missing.length ? `missing: ${missing.join(', ')} (present: ${dbs.join(', ')})` : `present: ${dbs.join(', ')}${want.length ? ` (expected ${want.join(', ')})` : ''}` });
      let amcheck: { ok: boolean; parts: string[] } = { ok: true, parts: [] };
      for (const d of dbs) {
        checkStop();
        try {
          const [r] = await query<{ tables: number; rows: string | null }>({ user: superuser, database: d }, `SELECT count(*)::int AS tables, sum(greatest(reltuples, 0))::bigint::text AS rows FROM pg_class WHERE relkind IN ('r', 'p', 'm')`);
          check({ name: `sample query: ${d}`, ok: true, detail: `${r.tables} tables, about ${r.rows ?? 0} rows` });
        } catch (e) {
          check({ name: `sample query: ${d}`, ok: false, detail: pgErrorMessage(e) });
          continue;
        }
        try {
          const [{ avail }] = await query<{ avail: boolean }>({ user: superuser, database: d }, `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck') AS avail`);
          if (!avail) {
            amcheck.parts.push(`${d}: not available`);
            continue;
          }
          // a throwaway instance: creating the extension here touches nothing real
          await query({ user: superuser, database: d }, `CREATE EXTENSION IF NOT EXISTS amcheck`);
          const [{ n }] = await query<{ n: number }>(
            { user: superuser, database: d },
            `SELECT count(bt_index_check(c.oid))::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND i.indisvalid AND i.indisready AND c.relpersistence <> 't'`,
            remainingMs(),
          );
          amcheck.parts.push(`${d}: ${n} btree indexes ok`);
        } catch (e) {
          amcheck = { ok: false, parts: [...amcheck.parts, `${d}: ${pgErrorMessage(e)}`] };
        }
      }
      check({ name: 'amcheck', ok: amcheck.ok, detail: amcheck.parts.join('; ') || 'no databases' });
      if (req.targetTime) {
        const log = await fs.readFile(path.join(dir, 'postgres.log'), 'utf8').catch(() => '');
        check({ name: 'target time', ...judgeTargetStop(log, req.targetTime) });
      }
      const failed = state.checks.filter((c) => !c.ok);
      if (failed.length) throw new Error(`${failed.length} check(s) failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
      return { output: state.checks.map((c) => `${c.ok ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`).join('\n') };
    });
  }

  async function teardown(): Promise<void> {
    if (!scratchDir) return;
    const dir = scratchDir;
    const s: TDrillStepState = { name: 'teardown', status: 'running', startedAt: new Date().toISOString(), durationMs: null, output: null };
    state.steps.push(s);
    const t0 = performance.now();
    try {
      const stopped = await stopScratch(ctx, path.join(dir, 'data'));
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rm(markerFile, { force: true });
      s.status = 'ok';
      s.output = `${stopped}; ${dir} removed`;
    } catch (e) {
      s.status = 'failed';
      s.output = boundOutput((e as Error).message);
      state.error ??= `teardown failed: ${s.output}`;
    } finally {
      s.durationMs = Math.round(performance.now() - t0);
    }
  }

  const done = (async () => {
    let status: TDrillState['status'] = 'succeeded';
    try {
      await main();
    } catch (e) {
      const r = stopReason as { status: 'failed' | 'aborted'; message: string } | null;
      status = r?.status ?? 'failed';
      state.error = r?.message ?? boundOutput((e as Error).message);
    } finally {
      clearTimeout(timer);
      await teardown(); // the drill counts as finished only once its instance is gone
      if (status === 'succeeded' && state.error) status = 'failed';
      state.finishedAt = new Date().toISOString();
      state.status = status;
      ctx.log.info({ drillId: req.drillId, status, restoreSeconds: state.restoreSeconds, error: state.error }, 'restore drill finished');
    }
  })();

  return { state, abort: (reason) => abort('aborted', reason), done };
}

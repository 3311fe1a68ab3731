import fs from 'node:fs/promises';
import path from 'node:path';
import type { TAgentConfig } from './config.ts';
import type { TFinalPosition } from './protocol.ts';
import { runCommand } from './run-command.ts';
import type { TAgentContext } from './types.ts';
import { highestWalTimeline, historySwitchPoint, isCleanShutdown, lastValidRecordStart, parseControlData, parsePostmasterPid, parseWaldumpRecord, recordEndLsn, shmAttachCount } from './wal-end.ts';

// `postgres.stopped` (docs/agent-protocol.md "Stopped server"): what the agent can prove about a
// PostgreSQL it cannot query. A final position is proven only when no postmaster and no process of
// the old server can be running on the data directory; then the data directory is read with the
// server's own tools from VAKT_AGENT_PG_BIN: pg_controldata (state, latest checkpoint, timeline)
// and pg_waldump (the end of valid WAL in pg_wal from that checkpoint on).

export type TStoppedState = { postmasterRunning: boolean | null; finalPosition: TFinalPosition | null; error?: string };

/** The longest the proof may take (pg_controldata + two pg_waldump runs share this deadline), seconds. */
export const FINAL_POSITION_TIMEOUT_S = 30;
/** How long GET /v1/status waits for a proof that is being computed before answering without it. */
const STATUS_WAIT_MS = 1_500;
const CACHE_KEY = 'final-position';
/** a proof that failed is tried again after this long even when nothing on disk changed (e.g. it timed out) */
const ERROR_RETRY_MS = 30_000;

/**
 * Whether a server can still be running on the data directory: postmaster.pid with a live pid
 * (`kill(pid, 0)`), or — the postmaster gone after a kill -9 — backends still attached to its
 * shared memory segment (nattch in /proc/sysvipc/shm, as PostgreSQL itself checks before a start).
 * null = cannot tell (the file or /proc unreadable).
 */
export async function readPostmasterRunning(dataDir: string): Promise<{ running: boolean | null; why: string }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { running: false, why: 'no postmaster.pid' };
    return { running: null, why: `postmaster.pid unreadable (${code ?? 'error'})` };
  }
  const pidFile = parsePostmasterPid(text);
  if (!pidFile) return { running: null, why: 'postmaster.pid has no pid' };
  try {
    process.kill(pidFile.pid, 0);
    return { running: true, why: `postmaster pid ${pidFile.pid} is alive` };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPERM') return { running: true, why: `postmaster pid ${pidFile.pid} is alive` };
    if (code !== 'ESRCH') return { running: null, why: `cannot check postmaster pid ${pidFile.pid} (${code ?? 'error'})` };
  }
  // children exist only after the shared memory does: no segment recorded, no child
  if (pidFile.shmId === null) return { running: false, why: `postmaster pid ${pidFile.pid} is gone` };
  let procShm: string;
  try {
    procShm = await fs.readFile('/proc/sysvipc/shm', 'utf8');
  } catch (e) {
    return { running: null, why: `postmaster pid ${pidFile.pid} is gone, but /proc/sysvipc/shm is unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'}): its processes may still run` };
  }
  const attached = shmAttachCount(procShm, pidFile.shmId);
  if (attached !== null && attached > 0) return { running: true, why: `postmaster pid ${pidFile.pid} is gone, but ${attached} of its processes are still attached to its shared memory` };
  return { running: false, why: `postmaster pid ${pidFile.pid} is gone and no process is attached to its shared memory` };
}

type TToolConfig = Pick<TAgentConfig, 'pgBin' | 'dataDir' | 'runAs'>;

async function tool(cfg: TToolConfig, name: string, args: string[], deadline: number) {
  const timeoutMs = deadline - Date.now();
  if (timeoutMs <= 0) throw new Error(`ran out of time before ${name} (${FINAL_POSITION_TIMEOUT_S} s)`);
  const r = await runCommand({ file: path.join(cfg.pgBin, name), args, runAs: cfg.runAs, timeoutMs });
  if (r.timedOut) throw new Error(`${name} did not finish within the ${FINAL_POSITION_TIMEOUT_S} s of the proof`);
  return r;
}

/** The proof itself (no postmaster check: the caller made it). Throws with the reason when nothing can be proven. */
export async function proveFinalPosition(cfg: TToolConfig): Promise<TFinalPosition> {
  const deadline = Date.now() + FINAL_POSITION_TIMEOUT_S * 1000;
  const cd = await tool(cfg, 'pg_controldata', ['-D', cfg.dataDir], deadline);
  if (cd.code !== 0) throw new Error(`pg_controldata exited ${cd.code}: ${(cd.stderr || cd.stdout).trim().slice(0, 300)}`);
  const control = parseControlData(cd.stdout);
  const walDir = path.join(cfg.dataDir, 'pg_wal');
  // WAL is read on the newest timeline present in pg_wal: from the checkpoint when that is its
  // timeline, else from where the newer timeline began (its history file)
  let timeline = control.timeline;
  let start = control.checkpointLsn;
  const newest = highestWalTimeline(await fs.readdir(walDir));
  if (newest !== null && newest > control.timeline) {
    const historyFile = `${newest.toString(16).toUpperCase().padStart(8, '0')}.history`;
    const switchPoint = historySwitchPoint(await fs.readFile(path.join(walDir, historyFile), 'utf8'));
    if (!switchPoint) throw new Error(`pg_wal/${historyFile} has no switch point`);
    timeline = newest;
    start = switchPoint;
  }
  const where = ['-p', walDir, '-t', String(timeline)];
  const scan = await tool(cfg, 'pg_waldump', ['--quiet', ...where, '-s', start], deadline);
  const last = lastValidRecordStart(scan.stderr);
  if (!last) throw new Error(`pg_waldump from ${start} on timeline ${timeline} found no end of valid WAL: ${(scan.stderr || scan.stdout).trim().slice(0, 300)}`);
  const one = await tool(cfg, 'pg_waldump', [...where, '-s', last, '-n', '1'], deadline);
  const record = parseWaldumpRecord(one.stdout);
  if (!record || record.lsn !== last) throw new Error(`pg_waldump could not read the last valid record at ${last}: ${(one.stderr || one.stdout).trim().slice(0, 300)}`);
  const lsn = recordEndLsn(record.lsn, record.totalLength, control.walSegmentBytes);
  const clean = isCleanShutdown(control.state);
  return {
    basis: clean ? 'clean-shutdown' : 'crash-wal-end',
    lsn,
    timeline,
    proof: clean
      ? `clean shutdown at ${lsn} (pg_controldata: ${control.state}, checkpoint ${control.checkpointLsn}; pg_waldump: end of valid WAL)`
      : `crash: valid WAL ends at ${lsn} (pg_controldata: ${control.state}; pg_waldump from ${start}, timeline ${timeline})`,
  };
}

/** What changes when the data directory's WAL or control file changes: the proof is recomputed only then. */
async function dataDirStateKey(dataDir: string): Promise<string> {
  const walDir = path.join(dataDir, 'pg_wal');
  const control = await fs.stat(path.join(dataDir, 'global', 'pg_control'));
  const names = (await fs.readdir(walDir)).sort();
  const entries = await Promise.all(
    names.map(async (n) => {
      const st = await fs.stat(path.join(walDir, n)).catch(() => null);
      return st ? `${n}:${st.size}:${st.mtimeMs}` : n;
    }),
  );
  return `${control.size}:${control.mtimeMs}|${entries.join(',')}`;
}

type TProofEntry = { key: string; result: { finalPosition: TFinalPosition } | { error: string } };

/**
 * The stopped server's state. The proof is cached per data-directory state (a stopped server's
 * pg_wal does not change) and computed once however many callers ask; a caller waits at most
 * `waitMs` for a proof being computed (the status: 1.5 s, then it answers without one and a later
 * poll gets it), never longer than FINAL_POSITION_TIMEOUT_S. Never throws.
 */
export async function readStoppedState(ctx: Pick<TAgentContext, 'config' | 'caches'>, opts: { waitMs?: number } = {}): Promise<TStoppedState> {
  const pm = await readPostmasterRunning(ctx.config.dataDir);
  if (pm.running !== false) return { postmasterRunning: pm.running, finalPosition: null, error: `no final position: ${pm.why}` };
  let key: string;
  try {
    key = await dataDirStateKey(ctx.config.dataDir);
  } catch (e) {
    return { postmasterRunning: false, finalPosition: null, error: `data directory unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  // one entry: the proof for `key`, done (result) or being computed (pending); another key replaces it
  const hit = ctx.caches.get(CACHE_KEY) as { at: number; value: { key: string; result?: TProofEntry['result'] }; pending?: Promise<TProofEntry> } | undefined;
  let pending: Promise<TProofEntry>;
  const fresh = hit?.value.result && !('error' in hit.value.result && Date.now() - hit.at > ERROR_RETRY_MS);
  if (hit?.value.key === key && fresh) {
    pending = Promise.resolve({ key, result: hit!.value.result! });
  } else if (hit?.value.key === key && hit.pending) {
    pending = hit.pending;
  } else {
    pending = proveFinalPosition(ctx.config).then(
      (finalPosition): TProofEntry => ({ key, result: { finalPosition } }),
      (e): TProofEntry => ({ key, result: { error: (e as Error).message } }),
    );
    const entry = { at: Date.now(), value: { key }, pending };
    ctx.caches.set(CACHE_KEY, entry);
    void pending.then((done) => {
      if (ctx.caches.get(CACHE_KEY) === entry) ctx.caches.set(CACHE_KEY, { at: Date.now(), value: done });
    });
  }
  const waitMs = opts.waitMs ?? STATUS_WAIT_MS;
  let timer: NodeJS.Timeout | undefined;
  const waited = await Promise.race([pending, new Promise<null>((r) => (timer = setTimeout(() => r(null), waitMs)))]).finally(() => clearTimeout(timer));
  if (!waited) return { postmasterRunning: false, finalPosition: null, error: 'final position being computed (pg_waldump still reading pg_wal): ask again' };
  if ('error' in waited.result) return { postmasterRunning: false, finalPosition: null, error: waited.result.error };
  // a server started while the WAL was read makes the answer stale: say nothing then
  const after = await readPostmasterRunning(ctx.config.dataDir);
  if (after.running !== false) return { postmasterRunning: after.running, finalPosition: null, error: `no final position: ${after.why}` };
  return { postmasterRunning: false, finalPosition: waited.result.finalPosition };
}

import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { db, isDbUnavailable } from '@/lib/base/db';
import { logger } from '@/lib/base/log';
import { metrics } from '@/lib/telemetry/metrics';
import { registeredWorkerLoops, registerWorkerLoop, type TLoopContext, type TWorkerLoop } from './loops';
import { pollerLoop } from './poller-loop';

export { registerWorkerLoop, unregisterWorkerLoop, type TWorkerLoop, type TLoopContext } from './loops';

// The worker: runs registered loops (poller, and later the promotion executor and drill runner),
// writes a heartbeat row, and survives everything: a failing iteration is logged and retried with
// exponential backoff (capped); the database going away only slows it down.
registerWorkerLoop('poller', pollerLoop());

export type TWorker = { id: string; stop(): Promise<void> };
export type TStartWorkerOptions = {
  id?: string;
  /** loops to run: names of registered loops, or loop factories; default every registered loop */
  loops?: (string | (() => TWorkerLoop))[];
  heartbeatMs?: number;
  /** backoff after failures: min, cap (ms) */
  backoffMs?: [number, number];
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export function defaultWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function startWorker(opts: TStartWorkerOptions = {}): TWorker {
  const id = opts.id ?? defaultWorkerId();
  const ac = new AbortController();
  const ctx: TLoopContext = { workerId: id, signal: ac.signal };
  const [minBackoff, maxBackoff] = opts.backoffMs ?? [500, 30_000];
  const available = registeredWorkerLoops();
  const loops: TWorkerLoop[] = (opts.loops ?? [...available.keys()]).map((l) => {
    if (typeof l === 'function') return l();
    const f = available.get(l);
    if (!f) throw new Error(`no worker loop named ${l} (registered: ${[...available.keys()].join(', ')})`);
    return f();
  });
  const log = logger.child({ worker: id });

  async function runLoop(loop: TWorkerLoop) {
    let failures = 0;
    let started = false;
    while (!ac.signal.aborted) {
      let delay: number;
      try {
        if (!started) {
          await loop.start?.(ctx);
          started = true;
        }
        delay = await loop.iterate(ctx);
        if (failures) log.info({ loop: loop.name, afterFailures: failures }, 'worker loop recovered');
        failures = 0;
      } catch (e) {
        failures++;
        const unavailable = isDbUnavailable(e);
        metrics().workerErrors.labels(loop.name, String(unavailable)).inc();
        delay = Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures - 1, 16));
        log[failures === 1 || failures % 10 === 0 ? 'warn' : 'debug'](
          { loop: loop.name, failures, retryInMs: delay, err: (e as Error)?.message ?? String(e) },
          unavailable ? 'Vakt database unavailable; retrying with backoff' : 'worker loop iteration failed; retrying with backoff',
        );
      }
      await sleep(delay, ac.signal);
    }
    if (started) await Promise.resolve(loop.stop?.(ctx)).catch((e) => log.warn({ loop: loop.name, err: (e as Error).message }, 'loop stop failed'));
  }

  async function heartbeatLoop() {
    let failures = 0;
    while (!ac.signal.aborted) {
      try {
        await db.worker.upsert({
          where: { id },
          create: { id, host: os.hostname(), pid: process.pid },
          update: { heartbeatAt: new Date() },
        });
        failures = 0;
      } catch (e) {
        failures++;
        if (failures === 1) log.warn({ err: (e as Error).message }, 'worker heartbeat failed');
      }
      await sleep(failures ? Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures, 16)) : (opts.heartbeatMs ?? 5000), ac.signal);
    }
  }

  log.info({ loops: loops.map((l) => l.name) }, 'worker started');
  const running = Promise.all([...loops.map(runLoop), heartbeatLoop()]);
  let stopping: Promise<void> | undefined;
  return {
    id,
    stop() {
      stopping ??= (async () => {
        ac.abort();
        await running;
        await db.worker.delete({ where: { id } }).catch(() => undefined);
        log.info('worker stopped');
      })();
      return stopping;
    },
  };
}

import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { db, isDbUnavailable } from '@/lib/base/db';
import { logger } from '@/lib/base/log';
import { sleep } from '@/lib/base/sleep';
import { metrics } from '@/lib/telemetry/metrics';
import type { TLoopContext, TWorkerLoop, TWorkerLoopFactory } from './types';


// The worker: runs exactly the loops it is given (entry points pass defaultWorkerLoops() from
// ./loops.ts), writes a heartbeat row, and survives everything: a failing iteration is logged and
// retried with exponential backoff (capped); the database going away only slows it down.

export type TWorker = { id: string; stop(): Promise<void> };
export type TStartWorkerOptions = {
  id?: string;
  /** the loops to run (each worker makes its own instance of each); required: there is no default set */
  loops: TWorkerLoopFactory[];
  heartbeatMs?: number;
  /** backoff after failures: min, cap (ms) */
  backoffMs?: [number, number];
};

export function defaultWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function startWorker(opts: TStartWorkerOptions): TWorker {
  const loops: TWorkerLoop[] = opts.loops.map((make) => make());
  const names = loops.map((l) => l.name);
  if (loops.length === 0) throw new Error('startWorker needs at least one loop (entry points pass defaultWorkerLoops())');
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`worker loop ${twice} is in the list twice`);
  const id = opts.id ?? defaultWorkerId();
  const ac = new AbortController();
  const ctx: TLoopContext = { workerId: id, signal: ac.signal };
  const [minBackoff, maxBackoff] = opts.backoffMs ?? [500, 30_000];
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
        // stamped with the database's clock, like every other time Vakt compares (docs/safety.md "Clocks")
        await db.$executeRaw`INSERT INTO "vakt"."Worker" ("id", "host", "pid", "heartbeatAt") VALUES (${id}, ${os.hostname()}, ${process.pid}, now())
          ON CONFLICT ("id") DO UPDATE SET "heartbeatAt" = now()`;
        failures = 0;
      } catch (e) {
        failures++;
        if (failures === 1) log.warn({ err: (e as Error).message }, 'worker heartbeat failed');
      }
      await sleep(failures ? Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures, 16)) : (opts.heartbeatMs ?? 5000), ac.signal);
    }
  }

  log.info({ loops: names }, 'worker started');
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

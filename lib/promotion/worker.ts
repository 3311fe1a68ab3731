// The promotion worker loop: expires requests, watches for split brain and
// automatic failover, and executes approved requests. Started through lib/worker's loop seam.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { db } from '@/lib/base/db';
import { logger } from '@/lib/base/log';
import { scanCluster } from './automatic-mode';
import { runExecutorOnce, type TExecutorOptions } from './execute-promotion';
import { expirePromotions } from './expire-promotions';

export type TPromotionWorkerOptions = { executorId?: string; intervalMs?: number; scanEveryMs?: number; executor?: Partial<TExecutorOptions> };

export async function promotionTick(opts: { executorId: string; scan: boolean; executor?: Partial<TExecutorOptions> }): Promise<void> {
  await expirePromotions();
  if (opts.scan) {
    const clusters = await db.cluster.findMany({ select: { id: true } });
    for (const c of clusters) {
      try {
        await scanCluster(c.id);
      } catch (e) {
        logger.warn({ err: (e as Error).message, clusterId: c.id }, 'promotion scan failed');
      }
    }
  }
  // Execute until there is nothing to pick up (each execution holds its own lease).
  for (let i = 0; i < 10; i++) {
    const r = await runExecutorOnce({ ...opts.executor, executorId: opts.executorId });
    if (!r) break;
    logger.info({ promotion: r.id, status: r.status, detail: r.detail }, 'promotion execution finished');
  }
}

/** Starts the loop; returns stop(), which waits for the current tick. */
export function startPromotionWorker(opts: TPromotionWorkerOptions = {}): { executorId: string; stop: () => Promise<void> } {
  const executorId = opts.executorId ?? `${os.hostname()}:${process.pid}:promotion:${randomUUID().slice(0, 8)}`;
  const intervalMs = opts.intervalMs ?? 1000;
  const scanEveryMs = opts.scanEveryMs ?? 2000;
  let stopped = false;
  let lastScan = 0;
  let backoff = intervalMs;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    const scan = Date.now() - lastScan >= scanEveryMs;
    if (scan) lastScan = Date.now();
    current = promotionTick({ executorId, scan, executor: opts.executor })
      .then(() => {
        backoff = intervalMs;
      })
      .catch((e) => {
        backoff = Math.min(backoff * 2, 30_000);
        logger.warn({ err: (e as Error).message }, 'promotion worker tick failed; backing off');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, backoff);
      });
  };
  timer = setTimeout(loop, 0);
  return {
    executorId,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}

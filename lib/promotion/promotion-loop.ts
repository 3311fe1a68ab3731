// The promotion worker loop: expires requests, watches for split brain and automatic failover, and
// executes approved requests. lib/worker/loops.ts puts it in the list every worker runs.
import { db } from '@/lib/base/db';
import { logger } from '@/lib/base/log';
import type { TWorkerLoopFactory } from '@/lib/worker/types';
import { scanCluster } from './automatic-mode';
import { runExecutorOnce, type TExecutorOptions } from './execute-promotion';
import { expirePromotions } from './expire-promotions';
import { liftExpiredMaintenance } from './maintenance';

export const PROMOTION_LOOP = 'promotion';

export type TPromotionLoopOptions = {
  /** pause between ticks (ms) */
  intervalMs?: number;
  /** how often a tick also scans every cluster for split brain and automatic mode (ms) */
  scanEveryMs?: number;
  /** executor options (leases, verify timeout, fault injection in tests); the executor id comes from the worker */
  executor?: Partial<Omit<TExecutorOptions, 'executorId'>>;
};

/** One tick: expiry, then (when `scan`) split brain and automatic mode per cluster, then execution. */
export async function promotionTick(opts: { executorId: string; scan: boolean; executor?: Partial<TExecutorOptions> }): Promise<void> {
  await expirePromotions();
  if (opts.scan) {
    await liftExpiredMaintenance().catch((e: Error) => logger.warn({ err: e.message }, 'lifting maintenance failed'));
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

/** The promotion loop for lib/worker: a tick every `intervalMs`, a cluster scan every `scanEveryMs`. */
export function promotionLoop(opts: TPromotionLoopOptions = {}): TWorkerLoopFactory {
  const intervalMs = opts.intervalMs ?? 1000;
  const scanEveryMs = opts.scanEveryMs ?? 2000;
  return () => {
    let lastScan = 0;
    return {
      name: PROMOTION_LOOP,
      async iterate(ctx) {
        const scan = Date.now() - lastScan >= scanEveryMs;
        if (scan) lastScan = Date.now();
        await promotionTick({ executorId: `${ctx.workerId}:promotion`, scan, executor: opts.executor });
        return intervalMs;
      },
    };
  };
}

// Registers the promotion loop (last-good snapshots, expiry, split brain, automatic mode, executor)
// with lib/worker's seam. Import this module once from the worker entry point.
import { registerWorkerLoop, type TWorkerLoop } from '@/lib/worker/loops';
import { promotionTick } from './worker';

export const PROMOTION_LOOP = 'promotion';

export function promotionWorkerLoop(opts: { intervalMs?: number; scanEveryMs?: number } = {}): TWorkerLoop {
  const intervalMs = opts.intervalMs ?? 1000;
  const scanEveryMs = opts.scanEveryMs ?? 2000;
  let lastScan = 0;
  return {
    name: PROMOTION_LOOP,
    async iterate(ctx) {
      const scan = Date.now() - lastScan >= scanEveryMs;
      if (scan) lastScan = Date.now();
      await promotionTick({ executorId: `${ctx.workerId}:promotion`, scan });
      return intervalMs;
    },
  };
}

export function registerPromotionLoop(): void {
  registerWorkerLoop(PROMOTION_LOOP, () => promotionWorkerLoop());
}
registerPromotionLoop();

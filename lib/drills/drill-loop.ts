// The restore-drill worker loop: queues scheduled drills (once a minute) and runs queued ones, one
// after another, each under its own lease. lib/worker/loops.ts puts it in the list every worker runs.
import { logger } from '@/lib/base/log';
import type { TWorkerLoopFactory } from '@/lib/worker/types';
import { runDrillOnce } from './run-drill-once';
import { scheduleDrills } from './schedule-drills';

export function drillLoop(opts: { intervalMs?: number; scheduleEveryMs?: number } = {}): TWorkerLoopFactory {
  const intervalMs = opts.intervalMs ?? 2_000;
  const scheduleEveryMs = opts.scheduleEveryMs ?? 60_000;
  return () => {
    let lastSchedule = 0;
    return {
      name: 'drills',
      async iterate(ctx) {
        if (Date.now() - lastSchedule >= scheduleEveryMs) {
          lastSchedule = Date.now();
          const queued = await scheduleDrills();
          if (queued.length) logger.info({ clusters: queued }, 'scheduled restore drills queued');
        }
        for (let i = 0; i < 5; i++) {
          const r = await runDrillOnce({ executorId: `${ctx.workerId}:drills`, signal: ctx.signal });
          if (!r || ctx.signal.aborted) break;
          logger.info({ drill: r.id, status: r.status }, 'restore drill finished');
        }
        return intervalMs;
      },
    };
  };
}

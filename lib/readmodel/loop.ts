// The read-model worker loop (lib/worker/loops.ts puts it in the list every worker runs): a round of
// clusters then contexts every `tickMs`, at once again while a round found a full batch.
import { env } from '@/lib/base/env';
import type { TWorkerLoopFactory } from '@/lib/worker/types';
import { refreshDue } from './refresh';

export const READ_MODEL_LOOP = 'readModel';

export type TReadModelLoopOptions = {
  /** recompute every row at least this often, changed or not (default VAKT_POLL_INTERVAL_MS: time alone changes verdicts) */
  refreshMs?: number;
  /** pause between rounds that found little to do (ms; default 200: a change is computed within it) */
  tickMs?: number;
  /** rows per claim and computation (default 50): bounds one transaction whatever the fleet size */
  batch?: number;
};

export function readModelLoop(opts: TReadModelLoopOptions = {}): TWorkerLoopFactory {
  return () => ({
    name: READ_MODEL_LOOP,
    async iterate() {
      const refreshMs = opts.refreshMs ?? env().VAKT_POLL_INTERVAL_MS;
      const batch = opts.batch ?? 50;
      const clusters = await refreshDue('cluster', { refreshMs, batch });
      const contexts = await refreshDue('context', { refreshMs, batch });
      return clusters.computed >= batch || contexts.computed >= batch ? 0 : (opts.tickMs ?? 200);
    },
  });
}

import { createPoller, type TPollerOptions, type TPoller } from '@/lib/telemetry/poll-cycle';
import type { TWorkerLoopFactory } from './types';

/** The poller as a worker loop: a tick every ~1/20 of the poll interval (50–250 ms). */
export function pollerLoop(opts: Omit<TPollerOptions, 'workerId'> & { tickMs?: number } = {}): TWorkerLoopFactory {
  return () => {
    let poller: TPoller | undefined;
    return {
      name: 'poller',
      start: ({ workerId }) => {
        poller = createPoller({ ...opts, workerId });
      },
      iterate: async () => ((await poller!.tick()) ? 5 : (opts.tickMs ?? 100)),
      stop: async () => {
        await poller?.drain().catch(() => undefined);
      },
    };
  };
}

// The rejoin worker loop (issue 15 item 4): expires unapproved rejoin requests past their TTL
// (expire-rejoins.ts), then executes approved ones (execute-rejoin.ts), one at a time under its lease. lib/worker/loops.ts puts it in the list every worker runs.
import { logger } from '@/lib/base/log';
import type { TWorkerLoopFactory } from '@/lib/worker/types';
import { runRejoinOnce } from './execute-rejoin';
import { expireRejoins } from './expire-rejoins';

export function rejoinLoop(intervalMs = 2000): TWorkerLoopFactory {
  return () => ({
    name: 'rejoin',
    async iterate(ctx) {
      const expired = await expireRejoins();
      if (expired) logger.info({ expired }, 'rejoin requests expired unapproved');
      const r = await runRejoinOnce({ executorId: `${ctx.workerId}:rejoin` });
      if (r) logger.info({ rejoin: r.id, status: r.status, outcome: r.outcome, detail: r.detail }, 'rejoin execution finished');
      return r ? 0 : intervalMs;
    },
  });
}

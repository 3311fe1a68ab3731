// The one list of loops a Vakt worker runs. Every entry point (the embedded worker started from
// instrumentation.ts, `npm run worker`) passes this list to startWorker, so a loop added here runs
// everywhere and a loop left out of it runs nowhere (there is no registry to forget an import for).
import { drillLoop } from '@/lib/drills/drill-loop';
import { alertLoop } from '@/lib/alerts/loop';
import { promotionLoop } from '@/lib/promotion/promotion-loop';
import { rejoinLoop } from '@/lib/promotion/rejoin-loop';
import { readModelLoop } from '@/lib/readmodel/loop';
import { pollerLoop } from './poller-loop';
import type { TWorkerLoopFactory } from './types';

export function defaultWorkerLoops(): TWorkerLoopFactory[] {
  return [
    pollerLoop(), // telemetry: polls every member's agent (or Patroni) and stores observations
    promotionLoop(), // promotion: last-good snapshots, expiry, split brain, automatic mode, executor
    drillLoop(), // restore drills: the schedule and the executor (lib/drills)
    readModelLoop(), // read model: verdicts, state and live findings for pages and the API, on every input change and once per poll interval
    alertLoop(), // alerts: fire/resolve from the read model under a lease, deliver to receivers with retries
    rejoinLoop(), // rejoin: approved rejoin requests (pg_rewind through the agent, follow, verify, unfence)
  ];
}

import type { TAgentConfig } from './config.ts';
import type { TAgentTimeouts } from './protocol.ts';
import { pgCtlFenceSeconds } from './pg-ctl.ts';
import { FINAL_POSITION_TIMEOUT_S } from './stopped-state.ts';

// The status payload's `timeouts` (docs/agent-protocol.md "Timeouts"): the longest one fence or
// promote call can run on this agent once it starts its steps (not counting time queued behind
// another action on the same agent), so the caller's HTTP timeouts are never shorter.

/** state file and data directory writes with their fsyncs */
const FILE_WORK_S = 5;

export function actionTimeouts(config: Pick<TAgentConfig, 'stopTimeoutSeconds' | 'immediateStopTimeoutSeconds' | 'promoteWaitSeconds' | 'pgTimeoutMs'>): TAgentTimeouts {
  const connectS = Math.ceil(config.pgTimeoutMs / 1000);
  return {
    // + the final-position proof once the server is stopped (pg_controldata, pg_waldump)
    fenceSeconds: pgCtlFenceSeconds(config) + FILE_WORK_S + FINAL_POSITION_TIMEOUT_S,
    // connect; five short queries (pg_is_in_recovery, two SETs, timeline, fork point: query timeout
    // VAKT_AGENT_PG_TIMEOUT_MS + 1 s each); pg_promote (statement timeout wait + 10 s, query timeout + 1 s)
    promoteSeconds: connectS + 5 * (connectS + 1) + (config.promoteWaitSeconds + 10 + 1) + FILE_WORK_S,
  };
}

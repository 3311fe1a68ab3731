import type { TAgentConfig } from './config.ts';
import type { TAgentTimeouts } from './protocol.ts';
import { pgCtlFenceSeconds, PG_CTL_STATUS_TIMEOUT_S, PG_CTL_STOP_SLACK_S } from './pg-ctl.ts';
import { FINAL_POSITION_TIMEOUT_S } from './stopped-state.ts';
import { CONNECT_RETRY_MS } from './standby-node.ts';
import { RELOAD_WAIT_MS } from './upstream-node.ts';

// The status payload's `timeouts` (docs/agent-protocol.md "Timeouts"): the longest one fence or
// promote call can run on this agent once it starts its steps (not counting time queued behind
// another action on the same agent), so the caller's HTTP timeouts are never shorter.

/** state file and data directory writes with their fsyncs */
const FILE_WORK_S = 5;

export function actionTimeouts(config: Pick<TAgentConfig, 'stopTimeoutSeconds' | 'immediateStopTimeoutSeconds' | 'promoteWaitSeconds' | 'pgTimeoutMs' | 'startTimeoutSeconds'>): TAgentTimeouts {
  const connectS = Math.ceil(config.pgTimeoutMs / 1000);
  return {
    // + the final-position proof once the server is stopped (pg_controldata, pg_waldump)
    fenceSeconds: pgCtlFenceSeconds(config) + FILE_WORK_S + FINAL_POSITION_TIMEOUT_S,
    // connect; five short queries (pg_is_in_recovery, two SETs, timeline, fork point: query timeout
    // VAKT_AGENT_PG_TIMEOUT_MS + 1 s each); pg_promote (statement timeout wait + 10 s, query timeout + 1 s)
    promoteSeconds: connectS + 5 * (connectS + 1) + (config.promoteWaitSeconds + 10 + 1) + FILE_WORK_S,
    // pg_ctl status; pg_ctl start -w -t (killed 10 s later); connection retries; connect + two queries
    standbySeconds: PG_CTL_STATUS_TIMEOUT_S + config.startTimeoutSeconds + PG_CTL_STOP_SLACK_S + CONNECT_RETRY_MS / 1000 + connectS + 2 * (connectS + 1) + FILE_WORK_S,
    // connect; six queries (settings, two ALTER SYSTEM, reload, positions, the last reload check); the reload wait
    upstreamSeconds: connectS + 6 * (connectS + 1) + RELOAD_WAIT_MS / 1000 + FILE_WORK_S,
    // follow: a fence-like stop of a running server, then what standby takes; resume: standby's start and one query
    followSeconds: pgCtlFenceSeconds(config) + config.startTimeoutSeconds + PG_CTL_STOP_SLACK_S + CONNECT_RETRY_MS / 1000 + 2 * (connectS + 1) + FILE_WORK_S,
    resumeSeconds: 2 * PG_CTL_STATUS_TIMEOUT_S + config.startTimeoutSeconds + PG_CTL_STOP_SLACK_S + CONNECT_RETRY_MS / 1000 + 2 * (connectS + 1) + FILE_WORK_S,
  };
}

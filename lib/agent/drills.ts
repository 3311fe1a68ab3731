import { runDrill, sweepDrillScratch, type TDrillRun } from './run-drill.ts';
import type { TDrillRequest, TDrillState } from './protocol.ts';
import { AgentError, type TAgentContext } from './types.ts';

// The agent's drills: one at a time (a second is 409 DRILL_RUNNING), the last few results kept in
// memory for GET /v1/drills/{id}. docs/agent-protocol.md "Restore drills".

const KEEP = 20;

export type TDrillManager = {
  start(req: TDrillRequest): TDrillState;
  get(drillId: string): TDrillState;
  abort(drillId: string): Promise<TDrillState>;
  /** at agent start: removes the scratch instance a crashed drill left; its id then answers failed */
  sweep(): Promise<void>;
  /** on shutdown: aborts a running drill and waits for its teardown */
  close(): Promise<void>;
};

export function createDrillManager(ctx: TAgentContext): TDrillManager {
  const runs = new Map<string, TDrillRun>();
  let current: TDrillRun | null = null;
  const remember = (run: TDrillRun) => {
    runs.set(run.state.drillId, run);
    while (runs.size > KEEP) runs.delete(runs.keys().next().value!);
  };
  const find = (id: string) => {
    const r = runs.get(id);
    if (!r) throw new AgentError('NOT_FOUND', 404, `no drill ${id} on this agent (finished drills are kept until it restarts)`);
    return r;
  };
  return {
    start(req) {
      const known = runs.get(req.drillId);
      if (known) return known.state; // a repeated start (the server retrying) changes nothing
      if (current) throw new AgentError('DRILL_RUNNING', 409, `drill ${current.state.drillId} is running on this agent; one at a time`);
      const run = runDrill(ctx, req);
      current = run;
      remember(run);
      void run.done.finally(() => {
        if (current === run) current = null;
      });
      return run.state;
    },
    get: (id) => find(id).state,
    async abort(id) {
      const run = find(id);
      if (run.state.status === 'running') {
        run.abort('aborted by DELETE /v1/drills');
        await run.done;
      }
      return run.state;
    },
    async sweep() {
      const swept = await sweepDrillScratch(ctx).catch((e: Error) => {
        ctx.log.error({ err: e.message }, 'restore drill: could not remove a crashed drill\'s scratch instance');
        return null;
      });
      if (!swept) return;
      const at = new Date().toISOString();
      const state: TDrillState = {
        drillId: swept.drillId, status: 'failed', startedAt: at, finishedAt: at, targetTime: null, backup: null, restoreSeconds: null, checks: [],
        steps: [{ name: 'teardown', status: 'ok', startedAt: at, durationMs: 0, output: swept.detail }],
        error: `interrupted: the agent stopped during the drill; at its next start it removed the scratch instance (${swept.detail})`,
      };
      remember({ state, abort: () => {}, done: Promise.resolve() });
    },
    async close() {
      const run = current;
      if (!run) return;
      run.abort('aborted: the agent is shutting down');
      await run.done;
    },
  };
}

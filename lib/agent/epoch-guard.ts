import type { TFencingState } from './fencing-state.ts';
import { readAgentState } from './read-agent-state.ts';
import { AgentError, type TAgentContext } from './types.ts';

// docs/agent-protocol.md "Epochs": an act carrying an epoch lower than the highest seen is refused.

export function refuseStaleEpoch(epoch: number, state: TFencingState): void {
  if (epoch < state.epoch) throw new AgentError('STALE_EPOCH', 409, `epoch ${epoch} is lower than the highest seen (${state.epoch})`);
}

/**
 * The fencing state for an act that needs it (promote, unfence): unreadable -> STATE_UNREADABLE
 * (message after `refusal: `); missing while the data directory carries the fence marker ->
 * STATE_INCONSISTENT; a stale epoch -> STALE_EPOCH.
 */
export async function readStateForEpoch(ctx: Pick<TAgentContext, 'config' | 'log' | 'caches'>, epoch: number, refusal?: string): Promise<TFencingState> {
  const prefix = refusal ? `${refusal}: ` : '';
  const s = await readAgentState(ctx).catch((e: Error) => {
    throw new AgentError('STATE_UNREADABLE', 500, `${prefix}${e.message}`);
  });
  if (s.unreadable) throw new AgentError('STATE_UNREADABLE', 500, `${prefix}${s.inconsistency}`);
  if (s.inconsistency) {
    throw new AgentError(
      'STATE_INCONSISTENT',
      409,
      `${prefix}${s.inconsistency}. The node counts as fenced until an operator resolves it: restore fencing.json from a backup, or fence again (POST /v1/fence with an epoch ≥ ${s.state.epoch}) so the state file records the fence, then unfence`,
    );
  }
  refuseStaleEpoch(epoch, s.state);
  return s.state;
}

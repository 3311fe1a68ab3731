import { readFencingState, type TFencingState } from './fencing-state.ts';
import { AgentError } from './types.ts';

// docs/agent-protocol.md "Epochs": an act carrying an epoch lower than the highest seen is refused.

export function refuseStaleEpoch(epoch: number, state: TFencingState): void {
  if (epoch < state.epoch) throw new AgentError('STALE_EPOCH', 409, `epoch ${epoch} is lower than the highest seen (${state.epoch})`);
}

/** The fencing state for an act that needs it (promote, unfence): unreadable -> STATE_UNREADABLE (message after `refusal: `), a stale epoch -> STALE_EPOCH. */
export async function readStateForEpoch(stateDir: string, epoch: number, refusal?: string): Promise<TFencingState> {
  const state = await readFencingState(stateDir).catch((e: Error) => {
    throw new AgentError('STATE_UNREADABLE', 500, refusal ? `${refusal}: ${e.message}` : e.message);
  });
  refuseStaleEpoch(epoch, state);
  return state;
}

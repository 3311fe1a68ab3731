import { readFencingStateFile, StateCorruptError, EMPTY_STATE, STATE_FILE, type TFencingState } from './fencing-state.ts';
import { readDataDirFence } from './fence-data-dir.ts';
import type { TAgentContext } from './types.ts';

// The state the agent acts on: its state file, unless that file is missing or unreadable while the
// data directory still carries the fence marker (docs/agent-protocol.md "State file"). Then the
// marker wins: the node is fenced at the marker's epoch, and the inconsistency is reported (status
// `fencing.inconsistency`, a warning in the log) until an operator resolves it.

export type TAgentState = {
  state: TFencingState;
  /** 'file': the state file; 'none': no state file and no marker; 'marker': no usable state file, the data directory's marker */
  source: 'file' | 'none' | 'marker';
  /** why the state file and the data directory disagree (source 'marker' only) */
  inconsistency: string | null;
  /** the state file exists but cannot be read or parsed */
  unreadable: string | null;
};

const LOGGED = 'state-inconsistency-logged';

/** Throws StateCorruptError when the state file is unreadable and the data directory carries no marker (callers fail closed). */
export async function readAgentState(ctx: Pick<TAgentContext, 'config' | 'log' | 'caches'>): Promise<TAgentState> {
  let file: TFencingState | null;
  let unreadable: StateCorruptError | null = null;
  try {
    file = await readFencingStateFile(ctx.config.stateDir);
  } catch (e) {
    if (!(e instanceof StateCorruptError)) throw e;
    file = null;
    unreadable = e;
  }
  if (file) {
    note(ctx, null);
    return { state: file, source: 'file', inconsistency: null, unreadable: null };
  }
  const what = unreadable ? `state file unreadable (${unreadable.message})` : 'state file missing';
  let marker;
  try {
    marker = await readDataDirFence(ctx.config.dataDir);
  } catch (e) {
    // cannot tell whether the data directory is fenced: fail closed
    const inconsistency = `${what}; the data directory cannot be checked for the fence marker (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
    note(ctx, inconsistency);
    return { state: { ...EMPTY_STATE, fenced: true, reason: inconsistency }, source: 'marker', inconsistency, unreadable: unreadable?.message ?? null };
  }
  if (!marker) {
    note(ctx, null);
    if (unreadable) throw unreadable;
    return { state: { ...EMPTY_STATE }, source: 'none', inconsistency: null, unreadable: null };
  }
  const epochText = marker.epoch === null ? 'no readable epoch' : `epoch ${marker.epoch}`;
  const inconsistency = `${what}; data directory carries the fence marker (${epochText})`;
  note(ctx, inconsistency);
  return {
    state: { epoch: marker.epoch ?? 0, fenced: true, since: null, reason: inconsistency, promotion: null },
    source: 'marker',
    inconsistency,
    unreadable: unreadable?.message ?? null,
  };
}

/** Logs a new inconsistency once (status is polled every few seconds), and its resolution. */
function note(ctx: Pick<TAgentContext, 'log' | 'caches'>, inconsistency: string | null) {
  const last = (ctx.caches.get(LOGGED)?.value as string | undefined) ?? null;
  if (last === inconsistency) return;
  if (inconsistency) ctx.log.error({ inconsistency, stateFile: STATE_FILE }, 'fencing state inconsistent: treating the node as fenced; promote and unfence are refused until an operator resolves it');
  else ctx.log.warn({ resolved: last }, 'fencing state inconsistency resolved');
  if (inconsistency) ctx.caches.set(LOGGED, { at: Date.now(), value: inconsistency });
  else ctx.caches.delete(LOGGED);
}

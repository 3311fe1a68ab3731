// The seam for work the worker runs: the poller registers itself here; the promotion executor and
// the drill runner register their own loops the same way (registerWorkerLoop) without touching the worker.
export type TLoopContext = {
  workerId: string;
  /** aborted when the worker stops; long waits should listen to it */
  signal: AbortSignal;
};
/**
 * One iteration of a loop. Resolve with the delay (ms) before the next iteration. Throwing is
 * allowed: the worker logs, backs off exponentially (capped) and calls it again.
 */
export type TWorkerLoop = {
  name: string;
  /** called once before the first iteration (e.g. to build state); may return a state object */
  start?: (ctx: TLoopContext) => Promise<void> | void;
  iterate: (ctx: TLoopContext) => Promise<number>;
  /** called once on stop, after the last iteration finished */
  stop?: (ctx: TLoopContext) => Promise<void> | void;
};
export type TWorkerLoopFactory = () => TWorkerLoop;

const g = globalThis as unknown as { vaktWorkerLoops?: Map<string, TWorkerLoopFactory> };
const registry = (g.vaktWorkerLoops ??= new Map());

/** Register a loop every worker started afterwards runs (the name is its identity: re-registering replaces). */
export function registerWorkerLoop(name: string, factory: TWorkerLoopFactory): void {
  registry.set(name, factory);
}
export function unregisterWorkerLoop(name: string): void {
  registry.delete(name);
}
export function registeredWorkerLoops(): Map<string, TWorkerLoopFactory> {
  return new Map(registry);
}

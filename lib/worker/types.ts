// What the worker runs: loops. A loop knows nothing about the worker; the worker runs exactly the
// list it is given (lib/worker/loops.ts defaultWorkerLoops() is the list every entry point uses).
// Imported by the domains that provide loops (lib/telemetry's poller, lib/promotion), so it imports nothing.
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
  /** called once before the first iteration (e.g. to build state) */
  start?: (ctx: TLoopContext) => Promise<void> | void;
  iterate: (ctx: TLoopContext) => Promise<number>;
  /** called once on stop, after the last iteration finished */
  stop?: (ctx: TLoopContext) => Promise<void> | void;
};
/** Makes a fresh loop (its own state) for each worker that runs it. */
export type TWorkerLoopFactory = () => TWorkerLoop;

// How many integration test files run at once (vitest workers), each against its own database.
// Most integration time is spent waiting on real processes (PostgreSQL start-up, poll intervals,
// timeouts), so two files at a time roughly halve the wall time on a 2-core machine.
export const INTEGRATION_WORKERS = Math.max(1, Number(process.env.VAKT_TEST_WORKERS ?? 2) || 1);

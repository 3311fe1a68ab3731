// lib/pg — the PostgreSQL vocabulary: LSNs, roles, statuses, timelines, instants, cluster kinds.
// Pure (zod only); the agent, the poller, the safety engine and the registry all speak it.
export * from './lsn';
export * from './vocabulary';
export * from './cluster-kind';

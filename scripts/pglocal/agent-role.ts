import { pgQuery } from './query.ts';

// The Vakt agent's database role with exactly the grants lib/agent/README.md "Database grants" lists
// (no superuser), for the test harness and the demo fleet: one place, so the tests prove what the
// README tells operators to run.

/** Creates `role` on the primary at `pgUrl` (superuser connection); the grants replicate to the replicas. */
export async function createAgentRole(pgUrl: string, role: string): Promise<void> {
  await pgQuery(
    pgUrl,
    `CREATE ROLE ${role} LOGIN;
     GRANT pg_monitor TO ${role};
     GRANT EXECUTE ON FUNCTION pg_promote(boolean, integer) TO ${role};
     GRANT EXECUTE ON FUNCTION pg_reload_conf() TO ${role};`,
  );
  // WAL salvage (POST /v1/upstream): ALTER SYSTEM on single parameters exists from PostgreSQL 15 on
  const [{ v }] = await pgQuery<{ v: number }>(pgUrl, `SELECT current_setting('server_version_num')::int AS v`);
  if (v >= 150000) await pgQuery(pgUrl, `GRANT ALTER SYSTEM ON PARAMETER primary_conninfo, primary_slot_name TO ${role}`);
}

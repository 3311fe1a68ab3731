import { waitFor, type THarnessAgent, type TPgNode } from '@/tests/support/pg-cluster';
import { ZDrillState, type TDrillState } from '@/lib/agent/protocol';

// Shared by the drill tests: wait for an agent's drill to finish; write a row before and after a
// target time and get the second one's WAL archived (a point-in-time drill needs WAL past the target).

export async function waitForDrill(agent: THarnessAgent, id: string, timeoutMs = 120_000): Promise<TDrillState> {
  let s: TDrillState | null = null;
  await waitFor(async () => {
    const r = await agent.request(`/v1/drills/${id}`);
    s = ZDrillState.parse(r.body);
    return s.status !== 'running';
  }, timeoutMs, `drill ${id} finished`, 250);
  return s!;
}

/** Row 'before' committed, then the target (the database's clock), then row 'after' (its xid returned); WAL switched and archived. */
export async function writeRowsAroundTarget(primary: TPgNode): Promise<{ target: string; afterXid: string }> {
  await primary.psql(`CREATE TABLE IF NOT EXISTS drill_pitr (id serial PRIMARY KEY, label text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  await primary.psql(`INSERT INTO drill_pitr (label) VALUES ('before')`);
  await new Promise((r) => setTimeout(r, 50));
  const [{ target }] = await primary.psql<{ target: string }>(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS target`);
  await new Promise((r) => setTimeout(r, 1_100));
  const [{ xid }] = await primary.psql<{ xid: string }>(`WITH i AS (INSERT INTO drill_pitr (label) VALUES ('after') RETURNING 1) SELECT txid_current()::text AS xid FROM i`);
  const [{ wal }] = await primary.psql<{ wal: string }>(`SELECT pg_walfile_name(pg_switch_wal()) AS wal`);
  await waitFor(async () => {
    const [{ last }] = await primary.psql<{ last: string | null }>(`SELECT last_archived_wal AS last FROM pg_stat_archiver`);
    return last !== null && last >= wal;
  }, 30_000, `WAL ${wal} archived`);
  return { target, afterXid: xid };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { evaluateCluster } from '@/lib/safety/engine';
import { loadSafetyInput } from '@/lib/safety/load-safety-input';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { settledReceiveLsn, waitFor, type TPgCluster } from '../support/pg-cluster';
import { declareContext, makeOperator, PASSWORD, runPoller, startRealCluster, waitForHealthy, waitForVerdict } from '../support/promotion-support';

// A (primary) + B + C. A stops, B is promoted (timeline 1 -> 2). C stayed on timeline 1 and received
// nothing past the fork point: it has not diverged, it only needs repointing at B. The fenced A
// still needs a rebuild.

let pg: TPgCluster;
let poller: { stop: () => Promise<void> };

beforeAll(async () => {
  await declareContext('repoint-ctx');
  poller = runPoller();
});
afterAll(async () => {
  await poller?.stop();
  await pg?.cleanup();
});

describe('a replica left on the old timeline by a promotion', () => {
  it('is listed as needs repoint (not rebuild) with the exact command; after running it, it streams from the new primary on the new timeline', async () => {
    pg = await startRealCluster('rp', 2, 'repoint-ctx');
    const [a, r1, r2] = pg.nodes;
    await a.psql('CREATE TABLE t (id int)');
    await a.psql('INSERT INTO t SELECT generate_series(1, 100)');
    await pg.waitForReplay();
    await waitForHealthy('rp');

    // A stops (cleanly: its walsenders send both replicas all of its WAL, so neither holds a torn last
    // record past the point where B's new timeline forks; after a crash C may, and then it has
    // diverged as far as anyone can prove)
    await a.stopPg('fast');
    // promote the replica holding the most WAL (as the verdict ranks them): background WAL the old
    // primary wrote after the replay wait may have reached only one of them, and a replica past the
    // fork point has really diverged
    // fork point is where the candidate's WAL ends: read both once they stopped receiving (data still in the socket arrives after the kill)
    const received = async (n: typeof r1) => (await n.psql<{ d: string }>(`SELECT pg_wal_lsn_diff('${await settledReceiveLsn(n)}', '0/0')::text AS d`))[0].d;
    const [l1, l2] = [BigInt(await received(r1)), BigInt(await received(r2))];
    const [b, c] = l1 >= l2 ? [r1, r2] : [r2, r1];
    await waitForVerdict('rp', b.name, 'GATED');
    const [op1, op2] = [await makeOperator('rp1'), await makeOperator('rp2')];
    const { id } = await requestPromotion({ actor: op1, cluster: 'rp', candidate: b.name, reason: 'primary crashed' });
    await approvePromotion({ actor: op1, id, password: PASSWORD });
    await approvePromotion({ actor: op2, id, password: PASSWORD });
    const out = await runExecutorOnce({ executorId: 'rp-executor' });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');

    // the fork point is timeline 2's switch point; the executor records it on the step and the promotion event
    const [{ history }] = await b.psql<{ history: string }>(`SELECT pg_read_file('pg_wal/00000002.history') AS history`);
    const forkLsn = /^1\t([0-9A-F]+\/[0-9A-F]+)\t/m.exec(history)![1];
    expect(view.steps.find((s) => s.name === 'promote' && s.status === 'ok')?.detail).toBe(
      `${b.name} promoted with epoch 1; timeline 2, forked from timeline 1 at ${forkLsn}`,
    );
    const event = await db.clusterEvent.findFirstOrThrow({ where: { cluster: { name: 'rp' }, kind: 'promotion' } });
    expect(event.data).toEqual({ promotionId: id, epoch: 1, forkLsn, previousTimeline: 1, newTimeline: 2 });

    // C: needs repoint with the exact command; A (fenced old primary): needs rebuild
    const positionsNow = {
      fork: forkLsn,
      b: { picked: String(l1 >= l2 ? l1 : l2) },
      c: (await c.psql(`SELECT pg_last_wal_receive_lsn()::text AS received, pg_last_wal_replay_lsn()::text AS replayed, pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::text AS receivedBytes`))[0],
      steps: view.steps.map((x) => `${x.name} ${x.status}: ${(x.detail ?? "").slice(0, 160)}`),
    };
    let safety = await getClusterSafety('rp');
    await waitFor(async () => {
      safety = await getClusterSafety('rp');
      return safety.primary?.node === b.name && safety.needsRepoint.length === 1 && safety.needsRebuild.length === 1;
    }, 60_000, 'C needs repoint, A needs rebuild').catch((e) => {
      throw new Error(`${(e as Error).message}; positions: ${JSON.stringify(positionsNow)}; last safety view: ${JSON.stringify({ state: safety.state, primary: safety.primary?.node, repoint: safety.needsRepoint, rebuild: safety.needsRebuild, alarms: safety.alarms })}`);
    });
    expect(safety.state).toBe('DEGRADED');
    expect(safety.needsRebuild.map((n) => n.node)).toEqual([a.name]);
    expect(safety.needsRepoint).toHaveLength(1);
    const entry = safety.needsRepoint[0];
    expect(entry.node).toBe(c.name);
    expect(entry.reason).toMatch(new RegExp(`^On timeline 1 with WAL up to [0-9A-F]+/[0-9A-F]+, not past ${forkLsn} where timeline 2 forked: it has not diverged\\. Point primary_conninfo at ${b.name}; it then follows timeline 2\\.$`));
    expect(safety.alarms.map((x) => x.code)).toContain('NEEDS_REPOINT');
    expect(safety.alarms.map((x) => x.code)).not.toContain('TIMELINE_DIVERGED');
    const cReasons = safety.candidates.find((x) => x.node === c.name)!.reasons.map((r) => r.code);
    expect(cReasons).toContain('NEEDS_REPOINT');
    expect(cReasons).not.toContain('TIMELINE_DIVERGED');
    const command = entry.repoint!.steps[0].command;
    expect(command).toBe(
      `ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=${b.port} user=postgres application_name=${c.name}';\nALTER SYSTEM RESET primary_slot_name;\nSELECT pg_reload_conf();`,
    );
    expect(entry.repoint!.steps[1].title).toBe(`Check on ${c.name}: status streaming from 127.0.0.1:${b.port} on timeline 2`);

    // run it on C (one statement at a time, as a superuser): C streams from B on timeline 2, without a restart
    for (const stmt of command.split('\n')) await c.psql(stmt);
    await waitFor(async () => {
      const rows = await c.psql<{ status: string; sender_port: number; received_tli: number }>(entry.repoint!.steps[1].command);
      return rows[0]?.status === 'streaming' && rows[0].sender_port === b.port && rows[0].received_tli === 2;
    }, 20_000, 'C streams from B on timeline 2');
    await b.psql('INSERT INTO t VALUES (101)');
    await waitFor(async () => (await c.psql<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n === 101, 10_000, 'C replays B');

    // Vakt: C no longer needs anything; A stays "needs rebuild"; without A the cluster is HEALTHY
    await waitFor(async () => {
      safety = await getClusterSafety('rp');
      return safety.needsRepoint.length === 0;
    }, 20_000, 'C no longer needs repoint');
    expect(safety.needsRebuild.map((n) => n.node)).toEqual([a.name]);
    expect(safety.alarms.map((x) => x.code)).not.toContain('NEEDS_REPOINT');
    expect(safety.alarms.map((x) => x.code)).not.toContain('TIMELINE_DIVERGED');
    const cAfter = safety.candidates.find((x) => x.node === c.name)!.reasons.map((r) => r.code);
    expect(cAfter).toEqual(expect.arrayContaining(['PRIMARY_HEALTHY']));
    expect(cAfter).not.toContain('NEEDS_REPOINT');
    expect(cAfter).not.toContain('TIMELINE_DIVERGED');
    expect((await c.agent!.status()).postgres.timeline).toBe(2);
    const { input } = await loadSafetyInput({ name: 'rp' });
    expect(evaluateCluster({ ...input, members: input.members.filter((m) => m.name !== a.name) }).state).toBe('HEALTHY');
  });
});

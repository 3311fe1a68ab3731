import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { getClusterSafety } from '@/lib/promotion/get-cluster-safety';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { getCluster } from '@/lib/registry/read-clusters';
import { findPgBinaries } from '../../scripts/pglocal/binaries';
import { runAsPg } from '../../scripts/pglocal/run-as';
import { patroniSql, type TPatroniCluster } from '../support/patroni';
import { waitFor, type THarnessAgent } from '../support/pg-cluster';
import { executeToCompletion, killPausedLeaderPatroni, makeOperator, PASSWORD, registeredPatroniCluster, waitForHealthy } from '../support/promotion-support';

// A Vakt agent beside each member of a real Patroni 3.0.2 + etcd cluster in pause mode. The leader's
// Patroni is killed while its PostgreSQL keeps running: the agents beside the members report what
// Patroni 3.0.2 cannot (the old leader's PostgreSQL a writable primary, the replica's WAL receiver
// streaming), also after the dead leader's DCS keys expired: BLOCKED. Then that PostgreSQL stops: its
// agent still answers, so the promotion fences it with the epoch first and needs no attestation; the
// old leader's data directory then comes back read-only whatever starts it.
const NAME = 'patroni-fence-agent';
let p: TPatroniCluster;
let agents: Map<string, THarnessAgent>;
let suite: Awaited<ReturnType<typeof registeredPatroniCluster>> | undefined;

async function reasonOf(candidate: string, code: string) {
  const s = await getClusterSafety(NAME);
  const c = s.candidates.find((x) => x.node === candidate);
  return { s, c, r: c?.reasons.find((x) => x.code === code) ?? null };
}

beforeAll(async () => {
  suite = await registeredPatroniCluster(NAME, { agentsBeside: true });
  ({ p, agents } = suite);
}, 180_000);
afterAll(async () => suite?.stop());

describe('a paused Patroni cluster with a Vakt agent beside each member', () => {
  it('registration shows the agent beside each member, never its token', async () => {
    const c = await getCluster(NAME);
    for (const m of c.members) expect(m.fenceAgentUrl).toBe(agents.get(m.name)!.url);
    const text = JSON.stringify(c);
    for (const a of agents.values()) expect(text).not.toContain(a.token);
  });

  it("BLOCKED by the agents' evidence while the old leader's PostgreSQL runs (also after its DCS keys expired); fenced through its agent without an attestation once it stopped", async () => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`  ${what}: ${Date.now() - t0} ms`);
    await waitForHealthy(NAME);
    const { leader, replica } = await killPausedLeaderPatroni(p);
    lap('leader Patroni killed, PostgreSQL still primary');

    // Patroni 3.0.2's own evidence (the replica's /cluster listing the leader running) expires with the
    // leader's DCS member key (ttl 10 s); the agents' evidence does not.
    let last = '';
    await waitFor(
      async () => {
        const { c, r } = await reasonOf(replica.name, 'PRIMARY_STILL_STREAMING');
        last = `${c?.verdict} ${c?.reasons.map((x) => x.code).join(',')} ${r?.message ?? ''}`;
        return c?.verdict === 'BLOCKED' && r !== null && !/Patroni lists it/.test(r.message);
      },
      40_000,
      'BLOCKED on the agents evidence alone',
      500,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; last: ${last}`);
    });
    const { r: still } = await reasonOf(replica.name, 'PRIMARY_STILL_STREAMING');
    expect(still!.message).toContain(`the Vakt agent beside ${leader.name} reports its PostgreSQL running as a writable primary`);
    expect(still!.message).toContain(`the Vakt agent beside ${replica.name} reports its WAL receiver streaming`);
    const op = await makeOperator(NAME);
    await expect(requestPromotion({ actor: op, cluster: NAME, candidate: replica.name, reason: 'leader Patroni gone' })).rejects.toThrow(/blocked/);
    lap('BLOCKED after the DCS keys expired');

    // The old leader's PostgreSQL crashes; its Patroni is gone, its agent answers: fenceable, no attestation.
    p.stopPostgres(leader);
    await waitFor(
      async () => {
        const { c, r } = await reasonOf(replica.name, 'OLD_PRIMARY_FENCEABLE');
        last = `${c?.verdict} ${c?.reasons.map((x) => x.code).join(',')}`;
        return c?.verdict === 'GATED' && r !== null;
      },
      30_000,
      'GATED with OLD_PRIMARY_FENCEABLE',
      500,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}; last: ${last}`);
    });
    const { c: gated } = await reasonOf(replica.name, 'OLD_PRIMARY_FENCEABLE');
    expect(gated!.requiresAttestation).toBe(false);
    expect(gated!.reasons.map((x) => x.code)).not.toContain('OLD_PRIMARY_NOT_FENCEABLE');
    lap('GATED, fenceable through the agent');

    const { id } = await requestPromotion({ actor: op, cluster: NAME, candidate: replica.name, reason: 'old leader crashed' });
    const op2 = await makeOperator(`${NAME}-2`);
    expect(await approvePromotion({ actor: op2, id, password: PASSWORD })).toMatchObject({ status: 'APPROVED' });
    const view = await executeToCompletion('patroni-fence-agent-executor', id);
    expect(view.status).toBe('COMPLETED');
    const fence = view.steps.find((x) => x.name === 'fence' && x.status === 'ok')!;
    expect(fence.detail).toMatch(new RegExp(`the Vakt agent beside ${leader.name} fenced it with epoch ${view.epochAfter}`));
    await waitFor(async () => (await patroniSql<{ r: boolean }>(replica, 'SELECT pg_is_in_recovery() AS r'))[0].r === false, 20_000, 'the replica promoted', 250);
    expect((await patroniSql<{ n: number }>(replica, 'SELECT count(*)::int AS n FROM t'))[0].n).toBe(10);
    const st = await agents.get(leader.name)!.status();
    expect(st.fencing).toMatchObject({ fenced: true, epoch: view.epochAfter });
    lap('promoted after the agent fenced the old leader');

    // Whatever starts the old leader's PostgreSQL again (an init system, an operator), it is read-only.
    const bin = findPgBinaries();
    await runAsPg(bin, path.join(bin.bin, 'pg_ctl'), ['-D', leader.dataDir, 'start', '-w', '-t', '30', '-l', path.join(p.baseDir, `${leader.name}-restart.log`)], { timeoutMs: 40_000 });
    expect((await patroniSql<{ r: boolean }>(leader, 'SELECT pg_is_in_recovery() AS r'))[0].r).toBe(true);
    await expect(patroniSql(leader, 'INSERT INTO t VALUES (99)')).rejects.toThrow(/read-only/);
    lap('old leader restarted read-only');
  }, 150_000);
});

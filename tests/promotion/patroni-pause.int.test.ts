import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { attestationTextFor } from '@/lib/promotion/rules';
import { db } from '@/lib/base/db';
import { patroniSql, type TPatroniCluster } from '../support/patroni';
import { waitFor } from '../support/pg-cluster';
import { executeToCompletion, killPausedLeaderPatroni, makeOperator, PASSWORD, registeredPatroniCluster, waitForHealthy, waitForVerdict } from '../support/promotion-support';

// Patroni in pause mode does not demote a leader that loses its DCS lock, and a Patroni process that
// exits while paused leaves PostgreSQL running. A real Patroni 3.0 + etcd cluster, paused; the leader's
// Patroni process is killed (SIGKILL) while its PostgreSQL keeps accepting writes and the replica keeps
// streaming from it: Vakt cannot reach the leader's REST API, but the replica's Patroni lists the leader
// running (Patroni 3.0.4+ also says the replica streams), so the replica is BLOCKED (PRIMARY_STILL_STREAMING).
// Then the old leader's PostgreSQL goes down too: nothing proves it stopped (its REST API is gone),
// so the leader lock is no fence in pause mode: GATED with an attestation (OLD_PRIMARY_NOT_FENCEABLE).
const NAME = 'patroni-pause';
let p: TPatroniCluster;
let suite: Awaited<ReturnType<typeof registeredPatroniCluster>> | undefined;

beforeAll(async () => {
  suite = await registeredPatroniCluster(NAME);
  p = suite.p;
}, 180_000);
afterAll(async () => suite?.stop());

describe('a paused Patroni cluster whose leader Patroni dies while PostgreSQL keeps running', () => {
  it('BLOCKED (PRIMARY_STILL_STREAMING) while the replica streams from the old leader; GATED with attestation once it stopped; promoted on the attestation', async () => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`  ${what}: ${Date.now() - t0} ms`);
    await waitForHealthy(NAME);
    const { leader, replica } = await killPausedLeaderPatroni(p);
    // Patroni is gone, its PostgreSQL is not: still a writable primary, the replica still streams from it.
    await expect(fetch(`${leader.apiUrl}/patroni`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    await patroniSql(leader, 'INSERT INTO t VALUES (11)');
    await waitFor(async () => (await patroniSql<{ n: number }>(replica, 'SELECT count(*)::int AS n FROM t'))[0].n === 11, 10_000, 'the write replayed on the replica', 200);
    expect((await patroniSql<{ status: string }>(replica, 'SELECT status FROM pg_stat_wal_receiver'))[0]?.status).toBe('streaming');
    lap('leader Patroni killed, PostgreSQL still primary and streaming');

    const blocked = await waitForVerdict(NAME, replica.name, 'BLOCKED', 20_000, { reason: 'PRIMARY_STILL_STREAMING' });
    expect(blocked.state).toBe('DEGRADED');
    expect(blocked.primary).toMatchObject({ node: leader.name, status: 'unknown' });
    const cand = blocked.candidates.find((c) => c.node === replica.name)!;
    const codes = cand.reasons.map((r) => r.code);
    expect(codes).not.toContain('FENCED_BY_PATRONI');
    // Patroni 3.0.2 reports no replication state for a replica (3.0.4+ does: state "streaming"); the
    // evidence here is the replica's /cluster listing the old leader running, from the leader's DCS key.
    expect(cand.reasons.find((r) => r.code === 'PRIMARY_STILL_STREAMING')!.message).toMatch(new RegExp(`${replica.name}'s Patroni (says it streams WAL|lists it as leader with PostgreSQL running)`));
    const op = await makeOperator(NAME);
    await expect(requestPromotion({ actor: op, cluster: NAME, candidate: replica.name, reason: 'leader Patroni gone' })).rejects.toThrow(/blocked/);
    lap('BLOCKED');

    // The old leader's PostgreSQL stops too: no stream, but nothing proves it stopped (its REST API is
    // gone) and in pause mode the leader lock fences nothing: an attestation is required (after the
    // leader's DCS keys expire, ttl 10 s, the replica's /cluster no longer lists it).
    p.stopPostgres(leader);
    const gated = await waitForVerdict(NAME, replica.name, 'GATED', 25_000, { reason: 'OLD_PRIMARY_NOT_FENCEABLE' });
    const g = gated.candidates.find((c) => c.node === replica.name)!;
    expect(g.requiresAttestation).toBe(true);
    expect(g.reasons.map((r) => r.code)).not.toContain('FENCED_BY_PATRONI');
    expect((await patroniSql<{ r: boolean }>(replica, 'SELECT pg_is_in_recovery() AS r'))[0].r).toBe(true);
    lap('GATED with attestation');

    // Attested and approved: the fence step finds the old leader unreachable and relies on the
    // attestation (audited); Patroni fails over to the replica.
    const { id } = await requestPromotion({ actor: op, cluster: NAME, candidate: replica.name, reason: 'old leader powered off' });
    const op2 = await makeOperator(`${NAME}-2`);
    expect(await approvePromotion({ actor: op2, id, password: PASSWORD, attestation: attestationTextFor(leader.name)! })).toMatchObject({ status: 'APPROVED' });
    const view = await executeToCompletion('patroni-pause-executor', id);
    const fence = view.steps.find((x) => x.name === 'fence' && x.status === 'ok')!;
    expect(fence.detail).toMatch(new RegExp(`Patroni is paused and ${leader.name} does not answer .*relying on the attestation`));
    expect(await db.auditEvent.count({ where: { action: 'promotion.fence_attested', targetId: id } })).toBe(1);
    await waitFor(async () => (await patroniSql<{ r: boolean }>(replica, 'SELECT pg_is_in_recovery() AS r'))[0].r === false, 20_000, 'the replica promoted', 250);
    await expect(patroniSql(leader, 'SELECT 1')).rejects.toThrow();
    lap('promoted on the attestation');
  }, 90_000);
});

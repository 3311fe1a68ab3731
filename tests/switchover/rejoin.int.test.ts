// Rejoin after a failover on real PostgreSQL with real agents (issue 15 item 4): the old primary crashes,
// is fenced and the replica promoted; rows are written on the new primary; a rejoin request by one
// operator and the approval of a second one bring the old primary back by pg_rewind (as the non-superuser
// role of the README's grants) as a streaming replica of the new primary on the new timeline, unfenced,
// with the new rows. The requester cannot approve; the current primary cannot be rejoined (409).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliActor } from '@/lib/auth/actor';
import { createApiToken } from '@/lib/auth/tokens';
import { db } from '@/lib/base/db';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { approveRejoin } from '@/lib/promotion/approve-rejoin';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { runRejoinOnce } from '@/lib/promotion/execute-rejoin';
import { listRejoins } from '@/lib/promotion/list-rejoins';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { requestRejoin } from '@/lib/promotion/request-rejoin';
import { POST as rejoinRoute } from '@/app/api/v1/clusters/[name]/members/[member]/rejoin/route';
import { waitFor } from '../support/pg-cluster';
import { makeOperator, PASSWORD, promotionTestSuite, restartAgentWith, waitForHealthy, waitForVerdict, writableNodes } from '../support/promotion-support';
import { errorOf, expectStreamsFrom, startSwitchableCluster, timelineOf } from './switchover-support';
import { REWIND_ROLE_SQL } from '../../scripts/pglocal/rewind-role';

const CTX = 'rejoin-ctx';
const { clusters } = promotionTestSuite(CTX, { failover: 'operator-approved', approvalsRequired: 1 });



describe('rejoin after a failover', () => {
  it('crash, fence, promote, writes on the new primary; rejoin + a second operator -> pg_rewind, streaming on the new timeline, unfenced, the new rows there', async () => {
    const t0 = Date.now();
    const pg = await startSwitchableCluster('rj1', CTX);
    clusters.push(pg);
    const [a, b] = pg.nodes;
    for (const sql of REWIND_ROLE_SQL) await a.psql(sql);
    for (const n of pg.nodes) await restartAgentWith(n, { VAKT_AGENT_REWIND_CONNINFO: 'user=vakt_rewind dbname=postgres' });
    await a.psql('CREATE TABLE t (id int PRIMARY KEY)');
    await a.psql('INSERT INTO t SELECT generate_series(1, 100)');
    await pg.waitForReplay();
    await waitForHealthy('rj1');
    const [op1, op2] = [await makeOperator('rj-op1'), await makeOperator('rj-op2')];

    // the healthy primary is never rejoined: 409 through the route too
    const { token } = await createApiToken({ actor: cliActor(), input: { name: `rj-token-${Date.now()}`, role: 'operator' } });
    const res = await rejoinRoute(
      new Request(`http://localhost/api/v1/clusters/rj1/members/${a.name}/rejoin`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'not a candidate' }) }),
      { params: Promise.resolve({ name: 'rj1', member: a.name }) },
    );
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatchObject({ code: 'CONFLICT', details: { reason: 'MEMBER_IS_PRIMARY' } });

    // a real failover: a crashes, is fenced at epoch 1 through its agent, b is promoted
    const oldTimeline = await timelineOf(a);
    await a.killPg();
    await waitForVerdict('rj1', b.name, 'GATED');
    const { id: promo } = await requestPromotion({ actor: op1, cluster: 'rj1', candidate: b.name, reason: 'primary crashed' });
    expect(await approvePromotion({ actor: op2, id: promo, password: PASSWORD })).toMatchObject({ status: 'APPROVED' });
    expect((await runExecutorOnce({ executorId: 'rj1-failover' }))?.status).toBe('COMPLETED');
    expect(await writableNodes(pg)).toEqual([b.name]);
    const newTimeline = await timelineOf(b);
    expect(newTimeline).toBeGreaterThan(oldTimeline);
    await b.psql('INSERT INTO t SELECT generate_series(101, 250)');
    // the old primary diverged: WAL on the old timeline the new primary never had (as after an async loss),
    // written here by starting it by hand without its standby.signal, then crashing it again
    const signal = path.join(a.dataDir, 'standby.signal');
    const owner = fs.statSync(signal);
    fs.rmSync(signal);
    await a.startPg();
    await a.psql('INSERT INTO t SELECT generate_series(1001, 1005)');
    await a.killPg();
    fs.writeFileSync(signal, '');
    fs.chownSync(signal, owner.uid, owner.gid);
    const [{ lsn: afterWrites }] = await b.psql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');

    // the new primary is refused (409); the requester cannot approve their own rejoin
    expect((await errorOf(requestRejoin({ actor: op1, cluster: 'rj1', member: b.name, reason: 'wrong member' }))).status).toBe(409);
    const { id, primary } = await requestRejoin({ actor: op1, cluster: 'rj1', member: a.name, reason: 'old primary back as a replica' });
    expect(primary).toBe(b.name);
    expect((await errorOf(requestRejoin({ actor: op2, cluster: 'rj1', member: a.name, reason: 'again' }))).status).toBe(409);
    expect(await runRejoinOnce({ executorId: 'rj1-early' })).toBeNull(); // not approved yet: nothing runs
    const own = await errorOf(approveRejoin({ actor: op1, cluster: 'rj1', member: a.name, id, password: PASSWORD }));
    expect(own.status).toBe(403);
    expect(await approveRejoin({ actor: op2, cluster: 'rj1', member: a.name, id, password: PASSWORD })).toEqual({ id, status: 'APPROVED' });

    const tr = Date.now();
    const out = await runRejoinOnce({ executorId: 'rj1-rejoin' });
    const rejoinMs = Date.now() - tr;
    const [view] = await listRejoins({ cluster: 'rj1', member: a.name });
    expect(out, JSON.stringify(view.steps, null, 1)).toEqual({ id, status: 'COMPLETED', outcome: 'rejoined' });
    expect(view).toMatchObject({ status: 'COMPLETED', outcome: 'rejoined', epoch: 1 });
    expect(view.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['request:ok', 'approval:ok', 'execution:started', 'evaluate:ok', 'rewind:ok', 'follow:ok', 'verify:ok', 'unfence:ok', 'done:ok']);
    expect(view.steps.find((s) => s.name === 'rewind')!.detail).toMatch(/not shut down cleanly.*CHECKPOINT on 127\.0\.0\.1:\d+; pg_rewind from .*servers diverged at WAL location.*Done!/s);

    // a streams from b on the new timeline, unfenced, read-only, with the rows written after the failover
    await expectStreamsFrom(a, b.port, newTimeline);
    await waitFor(async () => (await a.psql<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [afterWrites]))[0].ok, 20_000, 'a replayed the new rows');
    // the new rows are there, the diverged ones are gone
    expect((await a.psql<{ n: number; diverged: number }>('SELECT count(*)::int AS n, count(*) FILTER (WHERE id > 1000)::int AS diverged FROM t'))[0]).toEqual({ n: 250, diverged: 0 });
    expect((await a.psql<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec'))[0].rec).toBe(true);
    expect(await writableNodes(pg)).toEqual([b.name]);
    const status = (await a.agent!.request('/v1/status')).body as { fencing: { fenced: boolean; epoch: number } };
    expect(status.fencing).toMatchObject({ fenced: false, epoch: 1 });
    // the harness's own port survived pg_rewind copying b's configuration
    expect((await a.psql<{ port: string }>('SHOW port'))[0].port).toBe(String(a.port));
    const audits = await db.auditEvent.findMany({ where: { targetId: id }, select: { action: true }, orderBy: { id: 'asc' } });
    expect(audits.map((x) => x.action)).toEqual(['rejoin.requested', 'rejoin.approved', 'rejoin.execution_started', 'rejoin.completed']);

    // a rejoined member is a replica now; the current primary still is refused
    expect((await errorOf(requestRejoin({ actor: op1, cluster: 'rj1', member: b.name, reason: 'primary' }))).details).toMatchObject({ reason: 'MEMBER_IS_PRIMARY' });
    console.log(`rejoin: pg_rewind + follow + verify + unfence in ${rejoinMs} ms; test wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});

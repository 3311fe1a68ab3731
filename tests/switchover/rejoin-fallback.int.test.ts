// Rejoin, the remainder (issue 15) on real PostgreSQL with real agents:
//  1. a rejoin request ends REJECTED (any operator; through the route), CANCELLED (the requester, not
//     another operator) or EXPIRED (nobody approved it within the approval TTL), each audited, nothing
//     executed; the cluster's list offers a rejoin only for a member that needs one;
//  2. the base-backup fallback: a cluster with neither wal_log_hints nor data checksums, so pg_rewind
//     refuses (REWIND_NOT_POSSIBLE) after a failover; the rejoin takes a fresh pg_basebackup from the new
//     primary instead (the old data directory moved aside, deleted once the new one streams) and leaves a
//     streaming, unfenced replica on the new timeline with the rows written after the failover.
import path from 'node:path';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { createApiToken } from '@/lib/auth/tokens';
import { cliActor } from '@/lib/auth/actor';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { requestRejoin } from '@/lib/promotion/request-rejoin';
import { approveRejoin } from '@/lib/promotion/approve-rejoin';
import { cancelRejoin } from '@/lib/promotion/end-rejoin';
import { runRejoinOnce } from '@/lib/promotion/execute-rejoin';
import { expireRejoins } from '@/lib/promotion/expire-rejoins';
import { listClusterRejoins, listRejoins } from '@/lib/promotion/list-rejoins';
import { POST as rejectRoute } from '@/app/api/v1/clusters/[name]/members/[member]/rejoin/[id]/reject/route';
import { GET as clusterRejoinsRoute } from '@/app/api/v1/clusters/[name]/rejoins/route';
import { waitFor } from '../support/pg-cluster';
import { makeOperator, PASSWORD, promotionTestSuite, restartAgentWith, waitForHealthy, waitForVerdict, writableNodes } from '../support/promotion-support';
import { errorOf, expectStreamsFrom, startSwitchableCluster, timelineOf } from './switchover-support';

const CTX = 'rejoin-rest-ctx';
const { clusters } = promotionTestSuite(CTX, { failover: 'operator-approved', approvalsRequired: 1 });

const auditsOf = async (id: string) => (await db.auditEvent.findMany({ where: { targetId: id }, select: { action: true }, orderBy: { id: 'asc' } })).map((a) => a.action);

describe('rejoin requests: reject, cancel, expiry, offers', () => {
  it('REJECTED through the route, CANCELLED by the requester only, EXPIRED unapproved; each audited, nothing executed; healthy members are not offered', async () => {
    const t0 = Date.now();
    const pg = await startSwitchableCluster('rjx', CTX);
    clusters.push(pg);
    const [, b] = pg.nodes;
    await waitForHealthy('rjx');
    const [op1, op2] = [await makeOperator('rjx-op1'), await makeOperator('rjx-op2')];
    const { token } = await createApiToken({ actor: cliActor(), input: { name: `rjx-token-${Date.now()}`, role: 'operator' } });
    const bearer = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    // a healthy cluster: nobody is offered a rejoin (the replica streams on the primary's timeline)
    await waitFor(async () => (await db.nodeObservation.count({ where: { member: { cluster: { name: 'rjx' } }, status: 'ok' } })) === 2, 20_000, 'both members observed');
    const listed = await clusterRejoinsRoute(new Request('http://localhost/api/v1/clusters/rjx/rejoins', { headers: bearer }), { params: Promise.resolve({ name: 'rjx' }) });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({ cluster: 'rjx', offers: [], items: [] });

    // rejected through the route by any operator (the token); a second reject is 409
    const r1 = await requestRejoin({ actor: op1, cluster: 'rjx', member: b.name, reason: 'test reject' });
    const reject = (id: string, reason: string) =>
      rejectRoute(new Request(`http://localhost/api/v1/clusters/rjx/members/${b.name}/rejoin/${id}/reject`, { method: 'POST', headers: bearer, body: JSON.stringify({ reason }) }), { params: Promise.resolve({ name: 'rjx', member: b.name, id }) });
    const rej = await reject(r1.id, 'not needed: it streams');
    expect(rej.status).toBe(200);
    expect(await rej.json()).toEqual({ id: r1.id, status: 'REJECTED' });
    expect((await reject(r1.id, 'again')).status).toBe(409);
    expect(await runRejoinOnce({ executorId: 'rjx-exec' })).toBeNull();
    expect(await auditsOf(r1.id)).toEqual(['rejoin.requested', 'rejoin.rejected']);

    // cancelled: another operator may not (403), the requester may, also after the approval (not started yet)
    const r2 = await requestRejoin({ actor: op1, cluster: 'rjx', member: b.name, reason: 'test cancel' });
    expect(await approveRejoin({ actor: op2, cluster: 'rjx', member: b.name, id: r2.id, password: PASSWORD })).toEqual({ id: r2.id, status: 'APPROVED' });
    expect((await errorOf(cancelRejoin({ actor: op2, cluster: 'rjx', member: b.name, id: r2.id }))).status).toBe(403);
    expect(await cancelRejoin({ actor: op1, cluster: 'rjx', member: b.name, id: r2.id, reason: 'changed my mind' })).toEqual({ id: r2.id, status: 'CANCELLED' });
    expect(await runRejoinOnce({ executorId: 'rjx-exec' })).toBeNull();
    expect(await auditsOf(r2.id)).toEqual(['rejoin.requested', 'rejoin.approved', 'rejoin.cancelled']);

    // expired: nobody approved it within the TTL (the loop's expiry at a time past expiresAt); then it cannot be approved
    const r3 = await requestRejoin({ actor: op1, cluster: 'rjx', member: b.name, reason: 'test expiry' });
    const row = await db.rejoinRequest.findUniqueOrThrow({ where: { id: r3.id } });
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBeGreaterThan(60_000);
    // (expiry is fleet-wide: other files' requests in this database may expire too, so judge this one by id)
    await expireRejoins(new Date(row.expiresAt.getTime() - 1000));
    expect((await db.rejoinRequest.findUniqueOrThrow({ where: { id: r3.id } })).status).toBe('PENDING');
    expect(await expireRejoins(new Date(row.expiresAt.getTime() + 1000))).toBeGreaterThanOrEqual(1);
    expect((await errorOf(approveRejoin({ actor: op2, cluster: 'rjx', member: b.name, id: r3.id, password: PASSWORD }))).status).toBe(409);
    expect(await auditsOf(r3.id)).toEqual(['rejoin.requested', 'rejoin.expired']);

    const { items, offers } = await listClusterRejoins({ cluster: 'rjx' });
    expect(offers).toEqual([]);
    expect(items.map((i) => [i.status, i.outcome, i.steps.at(-1)!.name])).toEqual([
      ['EXPIRED', 'expired', 'expire'],
      ['CANCELLED', 'cancelled', 'cancel'],
      ['REJECTED', 'rejected', 'reject'],
    ]);
    // nothing was executed: b is the same streaming replica, unfenced
    expect(items.flatMap((i) => i.steps.map((s) => s.name)).filter((n) => ['execution', 'fence', 'rewind', 'follow'].includes(n))).toEqual([]);
    expect(((await b.agent!.request('/v1/status')).body as { fencing: { fenced: boolean } }).fencing.fenced).toBe(false);
    console.log(`rejoin reject/cancel/expiry: test wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});

describe('rejoin by a fresh base backup when pg_rewind cannot work', () => {
  it('no wal_log_hints, no data checksums: rewind refused -> pg_basebackup from the new primary, old data directory set aside then deleted, streaming replica, unfenced', async () => {
    const t0 = Date.now();
    const pg = await startSwitchableCluster('rjb', CTX, { dataChecksums: false, settings: { wal_log_hints: 'off' } });
    clusters.push(pg);
    const [a, b] = pg.nodes;
    expect((await a.psql<{ h: string; c: string }>("SELECT current_setting('wal_log_hints') AS h, current_setting('data_checksums') AS c"))[0]).toEqual({ h: 'off', c: 'off' });
    for (const n of pg.nodes) await restartAgentWith(n, { VAKT_AGENT_REWIND_CONNINFO: 'user=postgres dbname=postgres' });
    await a.psql('CREATE TABLE t (id int PRIMARY KEY)');
    await a.psql('INSERT INTO t SELECT generate_series(1, 100)');
    await pg.waitForReplay();
    await waitForHealthy('rjb');
    const [op1, op2] = [await makeOperator('rjb-op1'), await makeOperator('rjb-op2')];

    // a failover: a crashes, is fenced, b promoted; rows on the new primary
    const oldTimeline = await timelineOf(a);
    await a.killPg();
    await waitForVerdict('rjb', b.name, 'GATED');
    const { id: promo } = await requestPromotion({ actor: op1, cluster: 'rjb', candidate: b.name, reason: 'primary crashed' });
    await approvePromotion({ actor: op2, id: promo, password: PASSWORD });
    expect((await runExecutorOnce({ executorId: 'rjb-failover' }))?.status).toBe('COMPLETED');
    const newTimeline = await timelineOf(b);
    expect(newTimeline).toBeGreaterThan(oldTimeline);
    await b.psql('INSERT INTO t SELECT generate_series(101, 250)');
    const [{ lsn: afterWrites }] = await b.psql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');

    // the page offers a (fenced, stopped) a a rejoin as a replica of b, from the poller's stored answers
    await waitFor(async () => (await listClusterRejoins({ cluster: 'rjb' })).offers.some((o) => o.member === a.name), 20_000, `${a.name} offered a rejoin`);
    expect((await listClusterRejoins({ cluster: 'rjb' })).offers).toEqual([{ member: a.name, primary: b.name, fenceFirst: false }]);

    const { id } = await requestRejoin({ actor: op1, cluster: 'rjb', member: a.name, reason: 'old primary back, no rewind possible' });
    await approveRejoin({ actor: op2, cluster: 'rjb', member: a.name, id, password: PASSWORD });
    const tr = Date.now();
    const out = await runRejoinOnce({ executorId: 'rjb-rejoin' });
    const rejoinMs = Date.now() - tr;
    const [view] = await listRejoins({ cluster: 'rjb', member: a.name });
    expect(out, JSON.stringify(view.steps, null, 1)).toEqual({ id, status: 'COMPLETED', outcome: 'rejoined' });
    expect(view.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'request:ok',
      'approval:ok',
      'execution:started',
      'evaluate:ok',
      'rewind:refused',
      'basebackup:ok',
      'follow:ok',
      'verify:ok',
      'discard-aside:ok',
      'unfence:ok',
      'done:ok',
    ]);
    const step = (n: string) => view.steps.find((s) => s.name === n)!.detail;
    expect(step('rewind')).toMatch(/REWIND_NOT_POSSIBLE.*wal_log_hints is off and data checksums are off/);
    expect(step('basebackup')).toMatch(/old data directory moved aside to .*\.vakt-aside-e1-.*pg_basebackup -X stream -c fast from 127\.0\.0\.1:\d+/);
    const aside = /moved aside to (\S+);/.exec(step('basebackup'))![1];
    expect(step('discard-aside')).toContain(`removed ${aside}`);
    expect(fs.existsSync(aside)).toBe(false);
    expect(fs.readdirSync(path.dirname(a.dataDir)).filter((n) => n.includes('.vakt-aside-'))).toEqual([]);

    // a streams from b on the new timeline, unfenced, read-only, with every row b has; its own port kept
    await expectStreamsFrom(a, b.port, newTimeline);
    await waitFor(async () => (await a.psql<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [afterWrites]))[0].ok, 20_000, 'a replayed the new rows');
    expect((await a.psql<{ n: number }>('SELECT count(*)::int AS n FROM t'))[0].n).toBe(250);
    expect((await a.psql<{ port: string }>('SHOW port'))[0].port).toBe(String(a.port));
    expect(await writableNodes(pg)).toEqual([b.name]);
    expect(((await a.agent!.request('/v1/status')).body as { fencing: { fenced: boolean; epoch: number } }).fencing).toMatchObject({ fenced: false, epoch: 1 });
    expect(await auditsOf(id)).toEqual(['rejoin.requested', 'rejoin.approved', 'rejoin.execution_started', 'rejoin.completed']);
    await waitFor(async () => !(await listClusterRejoins({ cluster: 'rjb' })).offers.length, 20_000, 'no offer once a streams');
    console.log(`rejoin by base backup: rewind refused + pg_basebackup + follow + verify + discard + unfence in ${rejoinMs} ms; test wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});

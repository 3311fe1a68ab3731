// Exact data loss and WAL salvage on real PostgreSQL (docs/safety.md "Exact loss", "WAL salvage").
// The truth comes from the writer's own session, never from the code under test: the test records
// pg_current_wal_lsn() after its last acknowledged commit and counts the rows it committed. A
// replica's WAL receiver is frozen (SIGSTOP) while writes go on, so it lacks WAL that only the old
// primary's disk holds.
import { describe, expect, it } from 'vitest';
import { getFreePort } from '../../scripts/pglocal/ports';
import { db } from '@/lib/base/db';
import { lsnBytes } from '@/lib/pg';
import { approvePromotion } from '@/lib/promotion/approve-promotion';
import { runExecutorOnce } from '@/lib/promotion/execute-promotion';
import { getClusterSafety, type TSafetyCandidate } from '@/lib/promotion/get-cluster-safety';
import { getPromotion } from '@/lib/promotion/get-promotion';
import { requestPromotion } from '@/lib/promotion/request-promotion';
import { attestationTextFor } from '@/lib/promotion/rules';
import { auxiliaryPid, freezeProcess, postmasterPid, settledReceiveLsn, waitFor, type TPgCluster, type TPgNode } from '../support/pg-cluster';
import { makeOperator, PASSWORD, promotionTestSuite, restartAgentWith, startRealCluster, waitForHealthy, writableNodes } from '../support/promotion-support';

const { clusters } = promotionTestSuite('exact-ctx');
const KiB8 = 8 * 1024;

/** Rows written in committed batches; returns the count and the primary's WAL position after the last commit (the writer's truth). */
async function write(p: TPgNode, batches: number, rowsPerBatch = 2000): Promise<{ rows: number; lsn: string }> {
  for (let i = 0; i < batches; i++) await p.psql(`INSERT INTO t (pad) SELECT repeat('x', 500) FROM generate_series(1, ${rowsPerBatch})`);
  return truthOf(p);
}
async function truthOf(p: TPgNode): Promise<{ rows: number; lsn: string }> {
  const [{ rows }] = await p.psql<{ rows: number }>('SELECT count(*)::int AS rows FROM t');
  const [{ lsn }] = await p.psql<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return { rows, lsn };
}

const receivedLsn = async (r: TPgNode) => (await r.psql<{ lsn: string }>('SELECT pg_last_wal_receive_lsn()::text AS lsn'))[0].lsn;

async function setUp(name: string): Promise<{ pg: TPgCluster; a: TPgNode; b: TPgNode }> {
  const pg = await startRealCluster(name, 1, 'exact-ctx');
  clusters.push(pg);
  const [a, b] = pg.nodes;
  // where peers stream WAL from each node (WAL salvage), as an operator configures it
  for (const n of pg.nodes) await restartAgentWith(n, { VAKT_AGENT_REPLICATION_ADDRESS: `127.0.0.1:${n.port}` });
  // PLAIN storage: the rows' WAL is not compressed away; a clean shutdown waits at most 3 s for a frozen standby
  await a.psql('CREATE TABLE t (id bigserial PRIMARY KEY, pad text); ALTER TABLE t ALTER pad SET STORAGE PLAIN');
  await a.psql(`ALTER SYSTEM SET wal_sender_timeout = '3s'`);
  await a.psql('SELECT pg_reload_conf()');
  await write(a, 1, 200);
  await pg.waitForReplay();
  await waitForHealthy(name);
  return { pg, a, b };
}

/**
 * b's WAL receiver frozen, then committed writes until b lacks more than the loopback socket buffers can
 * hold for it (32 MiB): after the thaw it still lacks WAL that only the primary's disk holds.
 */
async function lagBehind(a: TPgNode, b: TPgNode) {
  const receiver = freezeProcess(auxiliaryPid(b, 'walreceiver'));
  const frozenAt = await receivedLsn(b);
  let truth = await truthOf(a);
  while ((lsnBytes(truth.lsn, frozenAt) ?? 0) < 32 * 1024 * 1024) truth = await write(a, 4);
  return { receiver, truth };
}

async function waitForCandidate(cluster: string, node: string, ok: (c: TSafetyCandidate) => boolean, what: string, timeoutMs = 20_000): Promise<TSafetyCandidate> {
  let last = '';
  await waitFor(async () => {
    const c = (await getClusterSafety(cluster)).candidates.find((x) => x.node === node);
    last = JSON.stringify(c?.dataLoss);
    return Boolean(c && ok(c));
  }, timeoutMs, what, 250).catch((e) => {
    throw new Error(`${(e as Error).message}; last dataLoss: ${last}`);
  });
  return (await getClusterSafety(cluster)).candidates.find((x) => x.node === node)!;
}

/** Requests b's promotion and approves it with as many operators as it needs. */
async function approve(cluster: string, node: string, label: string, attestation?: string) {
  const [op1, op2, op3] = [await makeOperator(`${label}1`), await makeOperator(`${label}2`), await makeOperator(`${label}3`)];
  const { id } = await requestPromotion({ actor: op1, cluster, candidate: node, reason: 'the primary stopped' });
  for (const op of [op2, op3]) {
    if ((await getPromotion(id)).status !== 'PENDING') break;
    await approvePromotion({ actor: op, id, password: PASSWORD, ...(attestation ? { attestation } : {}) });
  }
  expect((await getPromotion(id)).status).toBe('APPROVED');
  return id;
}

describe('exact loss: the stopped old primary proves where its WAL ends', () => {
  it('clean shutdown: the estimate is the true WAL gap (within 8 KiB), the window closed; the salvaged promotion of the lagging replica loses no row', async () => {
    const t0 = Date.now();
    const { pg, a, b } = await setUp('xl-clean');
    const { receiver, truth } = await lagBehind(a, b);
    await a.stopPg('fast'); // waits wal_sender_timeout for the frozen standby, then shuts down cleanly
    receiver.thaw(); // b reads what the socket still held; there is no primary to stream from any more
    const gap = lsnBytes(truth.lsn, await settledReceiveLsn(b))!;
    expect(gap).toBeGreaterThan(1024 * 1024);

    const c = await waitForCandidate('xl-clean', b.name, (x) => x.dataLoss.basis === 'proven-final', 'proven-final loss for b');
    expect(c.dataLoss.exact).toBe(true);
    expect(c.dataLoss.unknownWindowSeconds).toBe(0);
    expect(c.dataLoss.proof).toMatch(/clean shutdown/);
    expect(Math.abs(c.dataLoss.bytes! - gap)).toBeLessThanOrEqual(KiB8);
    expect(lsnBytes(c.dataLoss.finalLsn, truth.lsn)).toBeGreaterThanOrEqual(0);
    expect(c.salvage).toMatchObject({ possible: true, source: a.name, sourceKind: 'old-primary', remainingBytes: 0 });
    console.log(`  clean: true gap ${gap} B, estimate ${c.dataLoss.bytes} B, ${Date.now() - t0} ms`);

    const id = await approve('xl-clean', b.name, 'xc');
    const out = await runExecutorOnce({ executorId: 'xl-clean-exec' });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
    expect(view.steps.find((s) => s.name === 'exact-loss')?.detail).toMatch(/exact loss/);
    const salvage = view.steps.filter((s) => s.name === 'salvage').at(-1)!;
    expect(salvage.status).toBe('ok');
    expect(salvage.detail).toMatch(new RegExp(`${b.name} received \\d+ bytes from ${a.name} in [\\d.]+ s`));
    // every row the writer committed is on the new primary; the old primary is fenced and read-only
    const [{ rows }] = await b.psql<{ rows: number }>('SELECT count(*)::int AS rows FROM t');
    expect(rows).toBe(truth.rows);
    expect((await a.agent!.status()).fencing).toMatchObject({ fenced: true, epoch: 1 });
    await expect(a.psql('INSERT INTO t (pad) VALUES (1)')).rejects.toThrow(/read-only/);
    expect(await writableNodes(pg)).toEqual([b.name]);
    console.log(`  clean + salvage: ${Date.now() - t0} ms`);
  }, 120_000);

  it('crash (kill -9 of the postmaster): the estimate is the true gap from the end of valid WAL; salvage that cannot finish in time (a wrong replication address) promotes only within the approvals', async () => {
    const t0 = Date.now();
    const { pg, a, b } = await setUp('xl-crash');
    // a's replication address points where nothing listens (a wrong address, a firewall): salvage cannot finish
    await restartAgentWith(a, { VAKT_AGENT_REPLICATION_ADDRESS: `127.0.0.1:${await getFreePort()}` });
    const { receiver, truth } = await lagBehind(a, b);
    process.kill(postmasterPid(a), 'SIGKILL');
    receiver.thaw();
    const gap = lsnBytes(truth.lsn, await settledReceiveLsn(b))!;
    expect(gap).toBeGreaterThan(1024 * 1024);

    const c = await waitForCandidate('xl-crash', b.name, (x) => x.dataLoss.basis === 'proven-final', 'proven-final loss for b', 30_000);
    expect(c.dataLoss.proof).toMatch(/end of valid WAL|crash/i);
    expect(c.dataLoss.unknownWindowSeconds).toBe(0);
    expect(Math.abs(c.dataLoss.bytes! - gap)).toBeLessThanOrEqual(KiB8);
    console.log(`  crash: true gap ${gap} B, estimate ${c.dataLoss.bytes} B, ${Date.now() - t0} ms`);

    const id = await approve('xl-crash', b.name, 'xk');
    const approved = Math.min(...(await getPromotion(id)).approvals.map((x) => x.dataLossBytes ?? Infinity));
    const out = await runExecutorOnce({ executorId: 'xl-crash-exec', salvageTimeoutMs: 3000 });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('COMPLETED');
    const salvage = view.steps.filter((s) => s.name === 'salvage').at(-1)!;
    expect(salvage.status).toBe('partial');
    expect(salvage.detail).toMatch(/ran out of time .*within the approvals: promoting with what arrived/);
    // nothing promoted beyond what was approved: the new timeline forked at most the approved bytes (+ one WAL page) before the old primary's end
    const ev = await db.clusterEvent.findFirstOrThrow({ where: { cluster: { name: 'xl-crash' }, kind: 'promotion' }, orderBy: { at: 'desc' } });
    const forkLsn = (ev.data as { forkLsn?: string }).forkLsn!;
    expect(lsnBytes(truth.lsn, forkLsn)! - KiB8).toBeLessThanOrEqual(approved);
    expect(await writableNodes(pg)).toEqual([b.name]);
    console.log(`  crash + partial salvage: ${Date.now() - t0} ms`);
  }, 120_000);

  it("the old primary's agent gone: today's gated path, salvage impossible; its agent back at execution: the fence proves more WAL than approved, LOSS_GREW and nothing promoted", async () => {
    const t0 = Date.now();
    const { pg, a, b } = await setUp('xl-gone');
    await new Promise((r) => setTimeout(r, 1000)); // a sighting of a as primary
    await a.agent!.stop(); // from here Vakt sees nothing of a
    const { receiver, truth } = await lagBehind(a, b); // written after the last sighting
    await a.killPg();
    receiver.thaw();
    await settledReceiveLsn(b);

    const c = await waitForCandidate('xl-gone', b.name, (x) => x.verdict === 'GATED' && x.reasons.some((r) => r.code === 'OLD_PRIMARY_NOT_FENCEABLE'), 'GATED with an attestation');
    expect(c.dataLoss.basis).toBe('measured-window');
    expect(c.dataLoss.exact).toBe(false);
    expect(c.salvage.possible).toBe(false);
    expect(c.salvage.reason).toMatch(new RegExp(`the final WAL position of the old primary ${a.name} is not proven`));
    const id = await approve('xl-gone', b.name, 'xg', attestationTextFor(a.name)!);
    const approved = (await getPromotion(id)).estimatedLossBytes!;
    expect(lsnBytes(truth.lsn, await receivedLsn(b))! - approved).toBeGreaterThan(KiB8);

    await a.agent!.start(); // back before execution: the fence is attempted (and succeeds: PostgreSQL is down)
    const out = await runExecutorOnce({ executorId: 'xl-gone-exec' });
    const view = await getPromotion(id);
    expect(out?.status, JSON.stringify(view.steps, null, 1)).toBe('LOSS_GREW');
    expect(view.status).toBe('PENDING');
    expect(view.lossGrew?.freshBytes).toBeGreaterThan(approved);
    expect(view.approvals.every((x) => x.lapsed)).toBe(true);
    expect(view.steps.some((s) => s.name === 'promote')).toBe(false);
    expect((await a.agent!.status()).fencing.fenced).toBe(true);
    expect(await writableNodes(pg)).toEqual([]);
    console.log(`  agent gone, LOSS_GREW at the exact loss: ${Date.now() - t0} ms`);
  }, 120_000);
});

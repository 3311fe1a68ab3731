import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { registerCluster } from '@/lib/registry/register-cluster';
import { getCluster } from '@/lib/registry/read-clusters';
import { startWorker, type TWorker } from '@/lib/worker';
import { pollerLoop } from '@/lib/worker/poller-loop';
import { createPgCluster, startWriteLoad, waitFor, type TPgCluster, type TWriteLoad } from '../support/pg-cluster';
import { ensureSites, onlyDue } from '../support/cluster-setup';

// Real PostgreSQL primary + two streaming replicas with Vakt agents, polled by the real worker.
const INTERVAL = 1000;
let c: TPgCluster;
let worker: TWorker;
let load: TWriteLoad;

beforeAll(async () => {
  c = await createPgCluster({ primary: { name: 'oslo-1', site: 'oslo' }, replicas: [{ name: 'oslo-2', site: 'oslo' }, { name: 'bergen-1', site: 'bergen' }] });
  await ensureSites('oslo', 'bergen');
  await registerCluster({
    actor: systemActor(),
    input: { name: 'real-main', kind: 'vakt-agent', members: c.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl!, agentToken: n.agentToken! })) },
  });
  // other test files' clusters stay out of this worker's way
  await onlyDue('real-main');
  load = await startWriteLoad(c.primary, { intervalMs: 50 });
  worker = startWorker({ id: 'w-real', loops: [pollerLoop({ intervalMs: INTERVAL, timeoutMs: 2000 })] });
});
afterAll(async () => {
  await load?.stop().catch(() => undefined);
  await worker?.stop();
  await c?.cleanup();
});

const members = async () => Object.fromEntries((await getCluster('real-main')).members.map((m) => [m.name, m]));

describe('a real primary and replicas', () => {
  it('stores roles, timeline, LSNs and lag', async () => {
    await waitFor(
      async () => {
        const m = await members();
        return ['oslo-1', 'oslo-2', 'bergen-1'].every((n) => m[n]?.reachable) && m['oslo-2'].lagBytes !== null && m['bergen-1'].lagBytes !== null;
      },
      20_000,
      'all three nodes observed ok with lag',
    );
    const m = await members();
    expect(m['oslo-1']).toMatchObject({ role: 'primary', timeline: 1, reachable: true, fenced: false, error: null });
    expect(m['oslo-2']).toMatchObject({ role: 'replica', timeline: 1, reachable: true });
    expect(m['bergen-1']).toMatchObject({ role: 'replica', timeline: 1, site: 'bergen' });
    for (const n of Object.values(m)) expect(n.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(m['oslo-2'].lagBytes).toBeGreaterThanOrEqual(0);
    expect(m['oslo-2'].syncState).toBe('async');
    expect((await getCluster('real-main')).state).toBe('HEALTHY');
    const [{ sysid }] = await c.primary.psql<{ sysid: string }>(`SELECT system_identifier::text AS sysid FROM pg_control_system()`);
    const o = await db.nodeObservation.findFirstOrThrow({ where: { member: { name: 'oslo-1', cluster: { name: 'real-main' } } } });
    expect(o.systemIdentifier).toBe(sysid);
  });

  it('a killed primary shows as down with an event within two poll intervals', async () => {
    await load.stop();
    const killedAt = Date.now();
    await c.primary.killPg();
    await waitFor(
      async () => (await db.clusterEvent.count({ where: { cluster: { name: 'real-main' }, memberName: 'oslo-1', kind: { in: ['node.down', 'node.unreachable'] } } })) > 0,
      2 * INTERVAL + 1000,
      'a down event for oslo-1',
    );
    const ev = await db.clusterEvent.findFirstOrThrow({ where: { cluster: { name: 'real-main' }, memberName: 'oslo-1', kind: { in: ['node.down', 'node.unreachable'] } } });
    expect(ev.at.getTime() - killedAt).toBeLessThanOrEqual(2 * INTERVAL);
    const m = await members();
    expect(m['oslo-1']).toMatchObject({ reachable: false, role: 'unknown' });
    expect(['down', 'unknown']).toContain(m['oslo-1'].status);
    // the state turns PRIMARY_DOWN once the replicas have been polled after the kill too (until then
    // their last answers still show them streaming from it, which the engine reads as "alive")
    await waitFor(async () => (await getCluster('real-main')).state === 'PRIMARY_DOWN', Math.max(0, killedAt + 2 * INTERVAL + 1000 - Date.now()), 'state PRIMARY_DOWN within two poll intervals');
  });

  it('a replica promoted by hand: role change and new timeline detected', async () => {
    await c.node('bergen-1').psql(`SELECT pg_promote(true)`);
    await waitFor(
      async () => {
        const m = await members();
        return m['bergen-1'].role === 'primary' && m['bergen-1'].timeline === 2;
      },
      4 * INTERVAL + 2000,
      'bergen-1 primary on timeline 2',
    );
    const events = (await getCluster('real-main')).events.filter((e) => e.member === 'bergen-1').map((e) => e.kind);
    expect(events).toEqual(expect.arrayContaining(['node.role_changed', 'node.timeline_changed']));
  });
});

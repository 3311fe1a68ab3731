import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { systemActor } from '@/lib/auth/actor';
import { registerCluster } from '@/lib/registry/register-cluster';
import { getCluster } from '@/lib/registry/read-clusters';
import { toMemberObservation } from '@/lib/safety/observation-mapping';
import { createPoller } from '@/lib/telemetry/poll-cycle';
import { createPatroniCluster, type TPatroniCluster } from '../support/patroni';
import { ensureSites, onlyDue } from '../support/cluster-setup';

// A real two-node Patroni cluster (Debian patroni 3.0 + etcd on loopback) observed through its REST API.
let p: TPatroniCluster;

async function pollNow() {
  await onlyDue('patroni-real');
  await createPoller({ workerId: 'w-patroni', timeoutMs: 3000 }).runCycle();
  return getCluster('patroni-real');
}

beforeAll(async () => {
  p = await createPatroniCluster({ nodes: 2 });
  await ensureSites('oslo');
  await registerCluster({
    actor: systemActor(),
    input: { name: 'patroni-real', kind: 'patroni', members: p.nodes.map((n) => ({ name: n.name, site: 'oslo', agentUrl: n.apiUrl, agentToken: p.credentials })) },
  });
}, 180_000);
afterAll(async () => {
  await p?.cleanup();
});

describe('a real Patroni cluster', () => {
  it('observes roles, timeline, lag and LSNs', async () => {
    const c = await pollNow();
    const m = Object.fromEntries(c.members.map((x) => [x.name, x]));
    const leader = (await p.leader()).name;
    const replica = p.nodes.find((n) => n.name !== leader)!.name;
    expect(m[leader]).toMatchObject({ role: 'primary', reachable: true, timeline: 1, error: null });
    expect(m[replica]).toMatchObject({ role: 'replica', reachable: true, timeline: 1, syncState: 'async' });
    expect(m[leader].lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(m[replica].lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(typeof m[replica].lagBytes).toBe('number');
    expect(c.state).toBe('HEALTHY');
    expect(c.paused).toBe(false);
    const o = await db.nodeObservation.findFirstOrThrow({ where: { member: { name: leader, cluster: { name: 'patroni-real' } } } });
    expect(o.systemIdentifier).toMatch(/^\d+$/);
    expect((o.payload as { patroni: { patroni: { version: string } } }).patroni.patroni.version).toMatch(/^\d+\.\d+/);
    // what the engine reads from the replica's stored answer: its /cluster lists the leader running;
    // Patroni 3.0.2 reports no replication state for a replica, so no walReceiver (3.0.4+ would)
    const r = await db.nodeObservation.findFirstOrThrow({ where: { member: { name: replica, cluster: { name: 'patroni-real' } } } });
    const em = toMemberObservation(r, replica);
    expect(em.patroni).toMatchObject({ paused: false, state: 'running', members: expect.arrayContaining([{ name: leader, role: 'leader', state: 'running' }]) });
    expect(em.walReceiver).toBeNull();
  });

  it('reads the pause state', async () => {
    await p.setPause(true);
    expect((await pollNow()).paused).toBe(true);
    await p.setPause(false);
    expect((await pollNow()).paused).toBe(false);
  });
});

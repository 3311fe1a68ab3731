import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '@/lib/auth/actor';
import { putDeclaration } from '@/lib/registry/put-declaration';
import { getContextFindings } from '@/lib/findings/get-context-findings';
import { registerCluster } from '../registry/register-cluster';
import { createPoller } from '../telemetry/poll-cycle';
import { databaseOnMembers, gatherLiveInputs } from './load-live-findings';
import { startFakeFleet, type TFakeFleet } from '../../tests/support/fake-agent';
import { declarationSpec } from '../../tests/support/declaration-fixture';
import { ensureSites, onlyDue } from '../../tests/support/cluster-setup';

const admin = systemActor('test-admin');
let fleet: TFakeFleet;
const spec = declarationSpec({
  rpoClass: 'RPO-2',
  replication: { local: 'async', crossSite: 'async' },
  acceptedCrossSiteDataLossSeconds: 30,
  backup: { fullIntervalHours: 24, pitr: false, walArchiving: false, retentionDays: 14, drillCadenceDays: 7 },
  runbook: 'promote the replica after fencing',
  storage: { durability: 'local-disk' },
});

beforeAll(async () => {
  await ensureSites('oslo');
  fleet = await startFakeFleet([
    { name: 'li-1', site: 'oslo', role: 'primary' },
    { name: 'li-2', site: 'oslo', role: 'replica' },
  ]);
  await putDeclaration({ actor: admin, slug: 'live-ctx', input: { apiVersion: 'vakt/v1', kind: 'RecoveryDeclaration', context: 'live-ctx', name: 'Live', team: 'live-team', spec } });
  await registerCluster({
    actor: admin,
    input: { name: 'live-main', contexts: [{ slug: 'live-ctx', database: 'live', schema: 'public' }], members: [...fleet.nodes.values()].map((n) => ({ name: n.name, site: n.site, agentUrl: fleet.url(n.name), agentToken: fleet.token })) },
  });
  await onlyDue('live-main');
  await createPoller({ workerId: 'w-live', timeoutMs: 1000 }).runCycle();
});
afterAll(async () => {
  await fleet?.close();
});

describe('live findings inputs', () => {
  it('gathers the context, its clusters and the members observations', async () => {
    const input = await gatherLiveInputs('live-ctx');
    expect(input).not.toBeNull();
    expect(input!.spec.rpoClass).toBe('RPO-2');
    expect(input!.bounds.rpoBoundSeconds).toBe(60);
    expect(input!.clusters).toHaveLength(1);
    const c = input!.clusters[0];
    expect(c).toMatchObject({ name: 'live-main', kind: 'vakt-agent', database: 'live', schema: 'public', vaktDatabaseHere: false, otherContexts: [] });
    expect(c.members.map((m) => [m.name, m.status, m.role])).toEqual([
      ['li-1', 'ok', 'primary'],
      ['li-2', 'ok', 'replica'],
    ]);
    expect(c.members[0].settings?.fsync).toBe(true);
    expect(c.members[0].storage).toEqual({ totalBytes: 100e9, freeBytes: 40e9 });
    expect(await gatherLiveInputs('no-such-context')).toBeNull();
  });

  it('feeds /contexts/{slug}/findings without any registration (the registry loads the provider)', async () => {
    const findings = await getContextFindings('live-ctx');
    const live = findings.filter((f) => f.source === 'live').map((f) => f.code);
    expect(live).toContain('NO_CROSS_SITE_REPLICA'); // both members are in oslo, cross-site required
    expect(live).not.toContain('SINGLE_INSTANCE');
  });
});

describe('databaseOnMembers (best effort)', () => {
  it.each([
    ['same system identifier', 'postgresql://x@10.0.0.5:5432/vakt', 'S1', [{ systemIdentifier: 'S1', payload: null }], true],
    ['patroni member host:port', 'postgresql://x@10.0.0.5:5433/vakt', null, [{ systemIdentifier: null, payload: { cluster: { members: [{ host: '10.0.0.5', port: 5433 }] } } }], true],
    ['patroni other port', 'postgresql://x@10.0.0.5:5432/vakt', null, [{ systemIdentifier: null, payload: { cluster: { members: [{ host: '10.0.0.5', port: 5433 }] } } }], false],
    ['wal receiver sender (the primary)', 'postgresql://x@localhost:6000/vakt', null, [{ systemIdentifier: null, payload: { postgres: { walReceiver: { senderHost: '127.0.0.1', senderPort: 6000 } } } }], true],
    ['unrelated', 'postgresql://x@127.0.0.1:5432/vakt', 'S1', [{ systemIdentifier: 'S2', payload: null }], false],
  ])('%s', (_n, url, own, members, want) => expect(databaseOnMembers(url, own, members)).toBe(want));
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/base/db';
import { sealSecret } from '@/lib/base/secret-box';
import { systemActor } from '@/lib/auth/actor';
import { registerCluster } from '@/lib/registry/register-cluster';
import { createPoller } from '@/lib/telemetry/poll-cycle';
import { startFakeFleet, type TFakeFleet } from '../support/fake-agent';
import { ensureSite } from '../support/promotion-support';
import { onlyDue } from '../support/cluster-setup';
import { overrideEnv } from '../safety/safety-support';

// The poller keeps opened agent tokens (lib/telemetry/claim-nodes.ts: decrypting per poll was ~7 % of
// its CPU). A token stays usable only under the key it was sealed with: once VAKT_SECRET_KEY differs,
// the node reads unknown ("cannot use the stored agent token"), never polled with the kept plaintext;
// a token changed in the registry is used from the next poll on.
const CLUSTER = 'tok9-c';
const NODE = `${CLUSTER}-a`;
let fleet: TFakeFleet;

const pollOnce = async () => {
  await onlyDue(CLUSTER);
  await createPoller({ workerId: 'w-token', timeoutMs: 700 }).runCycle();
  return db.nodeObservation.findFirstOrThrow({ where: { member: { name: NODE } }, select: { status: true, error: true } });
};

beforeAll(async () => {
  await ensureSite('oslo');
  fleet = await startFakeFleet([{ name: NODE, site: 'oslo', role: 'primary', lsn: 0x3001000 }]);
  await registerCluster({ actor: systemActor('test'), input: { name: CLUSTER, kind: 'vakt-agent', members: [{ name: NODE, site: 'oslo', agentUrl: fleet.url(NODE), agentToken: fleet.token }] } });
}, 60_000);

afterAll(async () => {
  await db.cluster.deleteMany({ where: { name: CLUSTER } });
  await fleet?.close();
});

describe('opened agent tokens', () => {
  it('polls with the token under its key, and not once the key differs', async () => {
    expect(await pollOnce()).toMatchObject({ status: 'ok' });
    expect(await pollOnce()).toMatchObject({ status: 'ok' });
    const restore = overrideEnv({ VAKT_SECRET_KEY: 'another-secret-key-0123456789abcdef0123456789' });
    try {
      const o = await pollOnce();
      expect(o.status).toBe('unknown');
      expect(o.error).toContain('cannot use the stored agent token');
    } finally {
      restore();
    }
    expect(await pollOnce()).toMatchObject({ status: 'ok' });
  });

  it('a token changed in the registry is used from the next poll on (the old one is refused by the agent)', async () => {
    const hitsBefore = fleet.hits.get(NODE) ?? 0;
    await db.clusterMember.updateMany({ where: { name: NODE }, data: { agentTokenEnc: sealSecret('a-token-the-agent-refuses-0123') } });
    const o = await pollOnce();
    expect(fleet.hits.get(NODE)).toBeGreaterThan(hitsBefore);
    expect(o.status).toBe('unknown');
    expect(o.error).toContain('token rejected');
    await db.clusterMember.updateMany({ where: { name: NODE }, data: { agentTokenEnc: sealSecret(fleet.token) } });
    expect(await pollOnce()).toMatchObject({ status: 'ok' });
  });
});

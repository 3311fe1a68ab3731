import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { registerCluster } from '@/lib/registry/register-cluster';
import type { TDemoFleet } from './fleet';

/**
 * Registers the live demo fleet as its cluster. The demo recreates its PostgreSQL nodes (new ports,
 * new agent tokens) at every start while Vakt's own database persists, so a cluster of the same name
 * left by an earlier demo run is removed first (audited), together with its observations and events.
 */
export async function registerDemoCluster(opts: { actor: TActor; fleet: TDemoFleet }): Promise<void> {
  const input = opts.fleet.registration();
  await db.$transaction(async (tx) => {
    const old = await tx.cluster.findUnique({ where: { name: input.name }, include: { members: { select: { name: true, agentUrl: true } } } });
    if (!old) return;
    await tx.cluster.delete({ where: { id: old.id } });
    await audit(tx, {
      actor: opts.actor,
      action: 'cluster.deleted',
      targetType: 'cluster',
      targetId: old.name,
      before: { name: old.name, epoch: old.epoch, members: old.members },
      after: { reason: 'the demo fleet was recreated by npm run demo' },
    });
  });
  await registerCluster({ actor: opts.actor, input });
}

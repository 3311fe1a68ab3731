import { db } from '@/lib/base/db';
import { logger } from '@/lib/base/log';
import { systemActor } from '@/lib/auth/actor';
import { boundsOf, loadBindings } from '@/lib/registry/lifecycle-load';
import { drillDue, pickDrillHost } from './drill-rules';
import { loadDrillInputs } from './load-drill-inputs';
import { requestDrill } from './request-drill';

// The drill schedule: for each cluster, the shortest `spec.backup.drillCadenceDays` of the contexts it
// holds (their binding specs: a pending proposal's stricter cadence counts, lib/registry/lifecycle-load.ts); when the last finished drill (any status, external included) is older than that and a drill
// host exists, one drill of the newest backup is queued (trigger 'schedule'). A failed drill is not
// retried before the cadence passes again: it raises its finding and an operator reruns it.

export async function scheduleDrills(o: { now?: Date; clusters?: string[] } = {}): Promise<string[]> {
  const now = o.now ?? new Date();
  const clusters = await db.cluster.findMany({
    where: o.clusters ? { name: { in: o.clusters } } : {},
    select: {
      name: true,
      contexts: { select: { contextId: true } },
      drills: { where: { finishedAt: { not: null } }, orderBy: { finishedAt: 'desc' }, take: 1, select: { finishedAt: true } },
    },
  });
  const bindings = await loadBindings(db, clusters.flatMap((c) => c.contexts.map((x) => x.contextId)), boundsOf(await db.recoveryClass.findMany()));
  const queued: string[] = [];
  for (const c of clusters) {
    const cadenceDays = c.contexts.map(({ contextId }) => bindings.get(contextId)?.spec?.backup?.drillCadenceDays ?? null);
    if (!drillDue({ cadenceDays, lastFinishedAt: c.drills[0]?.finishedAt ?? null, now })) continue;
    try {
      const inputs = await loadDrillInputs({ name: c.name });
      if (!inputs.catalog.backups.length) continue; // nothing to restore yet (the first backup may still run)
      if (!pickDrillHost({ registeredUrl: inputs.cluster.drillHostUrl, agentMembers: inputs.cluster.kind === 'vakt_agent', members: inputs.members })) continue;
      if (await db.restoreDrill.findFirst({ where: { clusterId: inputs.cluster.id, external: false, status: { in: ['QUEUED', 'RUNNING'] } }, select: { id: true } })) continue;
      await requestDrill({ actor: systemActor('vakt-drill-schedule'), cluster: c.name, trigger: 'schedule', now });
      queued.push(c.name);
    } catch (e) {
      logger.warn({ cluster: c.name, err: (e as Error).message }, 'scheduled drill not queued');
    }
  }
  return queued;
}

import { pageActor } from '@/lib/auth/session';
import { dbNow } from '@/lib/base/db';
import { listDrills } from '@/lib/drills/read-drills';
import { DrillTable } from '@/components/drills/DrillTable';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Drills · Vakt' };

const SHOWN = 100;

export default async function DrillsPage() {
  await pageActor('viewer', '/drills');
  const [drills, now] = await Promise.all([listDrills({ limit: SHOWN }), dbNow()]);
  return (
    <>
      <h1>Restore drills</h1>
      <p className="muted">
        The latest {SHOWN} restore drills across every cluster, newest first, as the worker and external runners stored them. A drill restores a backup into a scratch instance, checks it and measures the time until it is usable; until one succeeds, a backup is not trusted.
      </p>
      <DrillTable drills={drills} now={now} showCluster empty="No restore drill has run yet. Next: open a cluster from the Fleet page and run one (operators), or let the schedule run them (drillCadenceDays in a declaration)." />
    </>
  );
}

import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { hasRole } from '@/lib/auth/roles';
import { readClusters } from '@/lib/readmodel/read';
import { listSites } from '@/lib/registry/sites';
import { FleetOverview } from '@/components/fleet/FleetOverview';

export const dynamic = 'force-dynamic';
/** When the server read the data (react-query's initialDataUpdatedAt). */
const renderedAt = () => Date.now();
export const metadata = { title: 'Fleet · Vakt' };

export default async function FleetPage() {
  const actor = await pageActor('viewer', '/fleet');
  const [clusters, sites] = await Promise.all([readClusters(), listSites()]);
  return (
    <>
      <div className="spread">
        <h1>Fleet</h1>
        {hasRole(actor.role, 'admin') && (
          <Link className="btn" href="/clusters/new">
            Register a cluster
          </Link>
        )}
      </div>
      <p className="muted">Every registered PostgreSQL cluster by site, worst problem first. Colours follow the latest observation of each member.</p>
      <FleetOverview initial={clusters} sites={sites.map((s) => s.name)} initialAt={renderedAt()} />
    </>
  );
}

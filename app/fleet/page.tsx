import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { hasRole } from '@/lib/auth/roles';
import { readClusters } from '@/lib/readmodel/read';
import { listSites } from '@/lib/registry/sites';
import { FleetOverview } from '@/components/fleet/FleetOverview';
import { LIST_DEFAULT_LIMIT as FLEET_PAGE } from '@/lib/readmodel/list';

export const dynamic = 'force-dynamic';
/** When the server read the data (react-query's initialDataUpdatedAt). */
const renderedAt = () => Date.now();
export const metadata = { title: 'Fleet · Vakt' };

export default async function FleetPage() {
  const actor = await pageActor('viewer', '/fleet');
  // the worst clusters first, one bounded page, plus the fleet's counts (one query each, from the read model)
  const [first, sites] = await Promise.all([readClusters({ sort: 'worst', limit: FLEET_PAGE, summary: true }), listSites()]);
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
      <FleetOverview initial={first} sites={sites.map((s) => s.name)} initialAt={renderedAt()} />
    </>
  );
}

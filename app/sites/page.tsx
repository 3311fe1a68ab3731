import { pageActor } from '@/lib/auth/session';
import { hasRole } from '@/lib/auth/roles';
import { listSites } from '@/lib/registry/sites';
import { RegistryList } from '@/components/registry/RegistryList';
import { addSite } from './actions';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Sites · Vakt' };

export default async function SitesPage() {
  const actor = await pageActor('viewer', '/sites');
  const sites = await listSites();
  return (
    <RegistryList
      title="Sites"
      intro="A site is a datacenter or failure domain. Cluster members are placed in sites; cross-site stances and verdicts are judged between them."
      listTitle="Registered sites"
      listId="sites-h"
      empty="No sites yet."
      columns={['Site', 'Region', 'Cluster members']}
      rows={sites.map((s) => ({ id: s.id, name: s.name, createdAt: s.createdAt, cells: [s.region ?? <span className="muted">—</span>, s.memberCount] }))}
      create={
        hasRole(actor.role, 'admin')
          ? {
              title: 'Add a site',
              idPrefix: 'site',
              submit: 'Add site',
              action: addSite,
              fields: [
                { name: 'name', label: 'Site name', hint: 'lower-case, e.g. oslo', required: true },
                { name: 'region', label: 'Region (optional)', placeholder: 'e.g. Norway east' },
              ],
            }
          : null
      }
    />
  );
}

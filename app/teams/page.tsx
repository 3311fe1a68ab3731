import { pageActor } from '@/lib/auth/session';
import { hasRole } from '@/lib/auth/roles';
import { listTeams } from '@/lib/registry/teams';
import { RegistryList } from '@/components/registry/RegistryList';
import { addTeam } from './actions';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Teams · Vakt' };

export default async function TeamsPage() {
  const actor = await pageActor('viewer', '/teams');
  const teams = await listTeams();
  return (
    <RegistryList
      title="Teams"
      intro="Teams own bounded contexts. Service owners may change the declarations of their own teams' contexts only."
      listTitle="Registered teams"
      listId="teams-h"
      empty="No teams yet."
      columns={['Team', 'Members', 'Contexts owned']}
      rows={teams.map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt, cells: [t.memberCount, t.contextCount] }))}
      create={
        hasRole(actor.role, 'admin')
          ? { title: 'Add a team', idPrefix: 'team', submit: 'Add team', action: addTeam, fields: [{ name: 'name', label: 'Team name', hint: 'letters, digits, “.”, “_” and “-”', required: true }] }
          : null
      }
    />
  );
}

import { pageActor } from '@/lib/auth/session';
import { hasRole } from '@/lib/auth/roles';
import { listTeams } from '@/lib/registry/teams';
import { CreateForm } from '@/components/ui/CreateForm';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { addTeam } from './actions';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Teams · Vakt' };

export default async function TeamsPage() {
  const actor = await pageActor('viewer', '/teams');
  const teams = await listTeams();
  const now = new Date();
  return (
    <>
      <h1>Teams</h1>
      <p className="muted">Teams own bounded contexts. Service owners may change the declarations of their own teams&apos; contexts only.</p>
      <section className="card" aria-labelledby="teams-h">
        <h2 id="teams-h">Registered teams</h2>
        {teams.length === 0 ? (
          <p className="muted">No teams yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Members</th>
                <th scope="col">Contexts owned</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {teams.map((t) => (
                <tr key={t.id}>
                  <td className="mono">{t.name}</td>
                  <td>{t.memberCount}</td>
                  <td>{t.contextCount}</td>
                  <td>
                    <TimeAgo date={t.createdAt} now={now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {hasRole(actor.role, 'admin') && (
        <section className="card">
          <CreateForm title="Add a team" idPrefix="team" submit="Add team" action={addTeam} fields={[{ name: 'name', label: 'Team name', hint: 'letters, digits, “.”, “_” and “-”', required: true }]} />
        </section>
      )}
    </>
  );
}

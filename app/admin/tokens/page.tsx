import { pageActor } from '@/lib/auth/session';
import { listApiTokens } from '@/lib/auth/list-tokens';
import { listUsers } from '@/lib/auth/users';
import { listTeams } from '@/lib/registry/teams';
import { Badge } from '@/components/ui/Badge';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { CreateTokenForm } from './CreateTokenForm';
import { RevokeTokenForm } from './RevokeTokenForm';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Tokens and users · Vakt' };

export default async function TokensPage() {
  await pageActor('admin', '/admin/tokens');
  const [tokens, users, teams] = await Promise.all([listApiTokens(), listUsers(), listTeams()]);
  const now = new Date();
  return (
    <>
      <h1>API tokens and users</h1>
      <p className="muted">
        Tokens let service teams and automation call the API (<code>Authorization: Bearer …</code>), e.g. to apply a <code>recovery.yaml</code> from CI. Each is bound to a role and,
        for service owners, to teams. Also from the shell: <code>npm run vakt -- token create --name N --role R --team T</code>.
      </p>

      <section className="card">
        <CreateTokenForm teams={teams.map((t) => t.name)} />
      </section>

      <section className="card" aria-labelledby="tokens-h">
        <h2 id="tokens-h">Tokens</h2>
        {tokens.length === 0 ? (
          <p className="muted">No tokens yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Role</th>
                <th scope="col">Teams</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id} className={t.revokedAt ? 'revoked' : undefined}>
                  <td>{t.name}</td>
                  <td className="mono">{t.prefix}…</td>
                  <td>{t.role}</td>
                  <td>{t.teams.length ? t.teams.join(', ') : <span className="muted">—</span>}</td>
                  <td>
                    <TimeAgo date={t.createdAt} now={now} /> <span className="muted small">by {t.createdBy}</span>
                  </td>
                  <td>
                    <TimeAgo date={t.lastUsedAt} now={now} />
                  </td>
                  <td>
                    {t.revokedAt ? (
                      <Badge tone="unknown" title={t.revokedAt.toISOString()}>
                        revoked
                      </Badge>
                    ) : (
                      <Badge tone="ok">active</Badge>
                    )}
                  </td>
                  <td>{!t.revokedAt && <RevokeTokenForm name={t.name} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-labelledby="users-h">
        <h2 id="users-h">Users</h2>
        <p className="muted small">
          Read-only here. Add users with <code>npm run vakt -- user add --email E --password P --role R [--team T]</code>; single sign-on users take their role from the identity provider.
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Teams</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{u.name ?? <span className="muted">—</span>}</td>
                <td>{u.role}</td>
                <td>{u.teams.length ? u.teams.join(', ') : <span className="muted">—</span>}</td>
                <td>{u.disabled ? <Badge tone="unknown">disabled</Badge> : <Badge tone="ok">active</Badge>}</td>
                <td>
                  <TimeAgo date={u.createdAt} now={now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { listClasses } from '@/lib/registry/classes';
import { listTeams } from '@/lib/registry/teams';
import { specToValues } from '@/components/registry/declaration-form-values';
import { DeclarationForm } from '@/components/registry/DeclarationForm';
import { createContext } from './actions';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'New context · Vakt' };

export default async function NewContextPage() {
  await pageActor('admin', '/contexts/new');
  const [classes, teams] = await Promise.all([listClasses(), listTeams()]);
  return (
    <>
      <p className="small">
        <Link href="/contexts">← Bounded contexts</Link>
      </p>
      <h1>New bounded context</h1>
      <p className="muted">
        A context is created with its first declaration, accepted at once (you are an admin). Its team&apos;s service owners then propose changes, which
        bind once an admin accepts them. Lint findings are shown after saving and never block it.
      </p>
      {teams.length === 0 ? (
        <p className="notice">
          No team exists yet: <Link href="/teams">create the owner team</Link> first.
        </p>
      ) : (
        <DeclarationForm
          action={createContext}
          initialValues={specToValues(null)}
          baseVersion={0}
          rpoClasses={classes.rpo.map((c) => ({ name: c.name, boundSeconds: c.boundSeconds }))}
          rtoClasses={classes.rto.map((c) => ({ name: c.name, boundSeconds: c.boundSeconds }))}
          findingsByField={{}}
          cancelHref="/contexts"
          newContext={{ teams: teams.map((t) => t.name) }}
        />
      )}
    </>
  );
}

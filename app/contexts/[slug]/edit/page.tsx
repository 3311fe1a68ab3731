import Link from 'next/link';
import { redirect } from 'next/navigation';
import { pageActor } from '@/lib/auth/session';
import { canWriteContext } from '@/lib/auth/roles';
import { readContext } from '@/lib/readmodel/read';
import { listClasses } from '@/lib/registry/classes';
import { specToValues } from '@/components/registry/declaration-form-values';
import { DeclarationForm } from '@/components/registry/DeclarationForm';
import { orNotFound } from '../load';
import { saveDeclaration } from './actions';

export const dynamic = 'force-dynamic';

export default async function EditDeclarationPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const actor = await pageActor('viewer', `/contexts/${slug}/edit`);
  const ctx = await orNotFound(readContext(slug));
  if (!canWriteContext(actor, ctx.team)) redirect('/forbidden');
  const classes = await listClasses();
  const findingsByField: Record<string, string[]> = {};
  for (const f of ctx.findings) if (f.field) (findingsByField[f.field] ??= []).push(`${f.code}: ${f.message}`);

  return (
    <>
      <p className="small">
        <Link href={`/contexts/${slug}`}>← Back to {ctx.name}</Link>
      </p>
      <h1>Edit the recovery declaration of {ctx.name}</h1>
      <p className="muted">
        Saving creates a new version; version {ctx.currentVersion || 'none'} stays in the history.{' '}
        {actor.role === 'admin' ? 'As an admin, your save is accepted at once.' : 'Unless your team or this context is auto-accepted, it is a proposal: it binds once an admin accepts it, and a newer proposal supersedes it.'} Lint findings are
        shown after saving and never block it.
      </p>
      <DeclarationForm
        action={saveDeclaration.bind(null, slug)}
        initialValues={specToValues(ctx.current?.spec ?? null)}
        baseVersion={ctx.currentVersion}
        rpoClasses={classes.rpo.map((c) => ({ name: c.name, boundSeconds: c.boundSeconds }))}
        rtoClasses={classes.rto.map((c) => ({ name: c.name, boundSeconds: c.boundSeconds }))}
        findingsByField={findingsByField}
        cancelHref={`/contexts/${slug}`}
      />
    </>
  );
}

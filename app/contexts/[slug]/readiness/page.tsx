import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { readContextReadiness } from '@/lib/readiness/read-readiness';
import { ClusterReadiness } from '@/components/readiness/ClusterReadiness';
import { StatusBadge } from '@/components/readiness/StatusBadge';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { orNotFound } from '../load';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }) {
  return { title: `Readiness · ${(await params).slug} · Vakt` };
}

export default async function ReadinessPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  await pageActor('viewer', `/contexts/${slug}/readiness`);
  const r = await orNotFound(readContextReadiness(slug));
  const now = new Date();
  return (
    <>
      <p className="small">
        <Link href={`/contexts/${slug}`}>← {r.name}</Link> · <Link href="/readiness">Fleet readiness</Link>
      </p>
      <div className="spread">
        <h1>Restore readiness of {r.name}</h1>
        <span className="muted small">
          computed <TimeAgo date={r.computedAt} now={now} />
        </span>
      </div>
      {r.stale && (
        <p role="alert" className="notice bad">
          {r.computedAt === null ? 'Vakt has not evaluated this yet (is a worker running?): nothing here is a verdict.' : `Vakt's last evaluation is ${r.ageSeconds} s old (is a worker running?): every answer reads unknown.`}
        </p>
      )}
      {r.readiness && (
        <p data-testid="weakest">
          Weakest answer: <StatusBadge status={r.readiness.weakest.status} /> {r.readiness.weakest.answer}
          {r.readiness.weakest.cluster ? ` on ${r.readiness.weakest.cluster}` : ''} — {r.readiness.weakest.summary}
        </p>
      )}
      {r.readiness?.clusters.length === 0 && <p className="muted">No registered cluster holds this context: nothing is observed.</p>}
      {r.readiness?.clusters.map((c) => <ClusterReadiness key={c.cluster} r={c} />)}
    </>
  );
}

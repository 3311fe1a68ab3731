import Link from 'next/link';
import { cookies } from 'next/headers';
import { pageActor } from '@/lib/auth/session';
import { canWriteContext } from '@/lib/auth/roles';
import { getDeclarationHistory } from '@/lib/registry/contexts';
import { getDeclarationReview } from '@/lib/registry/lifecycle-read';
import { SpecDiff } from '@/components/registry/SpecDiff';
import { ReviewForm } from './ReviewForm';
import { readContext } from '@/lib/readmodel/read';
import { FindingList } from '@/components/ui/FindingList';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { DeclarationView } from '@/components/registry/DeclarationView';
import { ContextClusters } from '@/components/registry/ContextClusters';
import { VersionHistory } from '@/components/registry/VersionHistory';
import { LiveRefresh } from '@/components/lib/live-stream';
import { orNotFound, parseSavedFlash, SAVED_COOKIE } from './load';

export const dynamic = 'force-dynamic';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }) {
  return { title: `${(await params).slug} · Vakt` };
}

export default async function ContextPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const actor = await pageActor('viewer', `/contexts/${slug}`);
  const [ctx, history, review] = await Promise.all([orNotFound(readContext(slug)), orNotFound(getDeclarationHistory(slug)), orNotFound(getDeclarationReview(slug))]);
  const canEdit = canWriteContext(actor, ctx.team);
  const flash = parseSavedFlash((await cookies()).get(SAVED_COOKIE)?.value);
  const saved = flash && flash.slug === slug && (flash.version === ctx.currentVersion || flash.version === review.pending?.version) ? flash : null;
  const proposedNow = saved && saved.version === review.pending?.version;
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of ctx.findings) counts[f.severity]++;
  const now = new Date();

  return (
    <>
      <LiveRefresh slug={slug} />
      <p className="small">
        <Link href="/contexts">← All contexts</Link>
      </p>
      <div className="spread">
        <div>
          <h1>{ctx.name}</h1>
          <p className="muted flush">
            <span className="mono">{ctx.slug}</span> · team <strong>{ctx.team}</strong> · version{' '}
            <strong data-testid="current-version">{ctx.currentVersion}</strong>
            {ctx.dataLocation ? ` · data in ${ctx.dataLocation}` : ''} · <Link href={`/contexts/${slug}/readiness`}>restore readiness</Link>
          </p>
        </div>
        {canEdit && (
          <Link className="btn primary" href={`/contexts/${slug}/edit`}>
            Edit declaration
          </Link>
        )}
      </div>

      {saved && (
        <p role="status" className="notice ok">
          {saved.created
            ? proposedNow
              ? `Proposed version ${saved.version}: it binds once an admin accepts it (until then, field by field, the stricter of the accepted version and your proposal applies).`
              : `Saved version ${saved.version}.`
            : `No change: the declaration is identical to version ${saved.version}, so no new version was made.`}{' '}
          {counts.error + counts.warning > 0 ? 'Review the findings below — lint never blocks a save.' : ''}
        </p>
      )}

      <section className="card" aria-labelledby="findings-h">
        <h2 id="findings-h">
          Findings{' '}
          <span className="muted small">
            ({plural(counts.error, 'error')}, {plural(counts.warning, 'warning')}, {counts.info} info)
          </span>
        </h2>
        {ctx.stale && (
          <p className="notice warn" role="status">
            Live findings are not current: Vakt&apos;s worker has not evaluated this context recently (is a worker running?).
          </p>
        )}
        <FindingList findings={ctx.findings} />
      </section>

      {review.lastDecision && (
        <p role="status" className={`notice ${review.lastDecision.status === 'rejected' ? 'warn' : 'info'}`} data-testid="last-decision">
          Version {review.lastDecision.version} (proposed by {review.lastDecision.authorLabel}) was {review.lastDecision.status}
          {review.lastDecision.decidedByLabel ? ` by ${review.lastDecision.decidedByLabel}` : ''}
          {review.lastDecision.reason ? `: “${review.lastDecision.reason}”` : '.'}
        </p>
      )}

      {review.pending && (
        <section className="card" aria-labelledby="pending-h" data-testid="pending-proposal">
          <h2 id="pending-h">
            Pending proposal: version {review.pending.version} <span className="badge warn">proposed</span>
          </h2>
          <p className="muted small">
            By {review.pending.authorLabel}, <TimeAgo date={review.pending.createdAt} now={now} />
            {review.pending.reason ? ` — “${review.pending.reason}”` : ''}.{' '}
            {review.acceptedVersion > 0
              ? `Until an admin decides, verdicts, findings and readiness use, field by field, the stricter of version ${review.acceptedVersion} and this proposal.`
              : 'No version is accepted yet: every promotion needs two approvals and Vakt takes no automatic action (DECLARATION_NOT_ACCEPTED).'}
          </p>
          <h3>Changes from the accepted version {review.acceptedVersion || '(none)'}</h3>
          <SpecDiff changes={review.pending.diff} first={review.acceptedVersion === 0} />
          <h3>Lint findings of the proposal</h3>
          <FindingList findings={review.pending.findings} />
          {actor.role === 'admin' && <ReviewForm slug={slug} version={review.pending.version} />}
        </section>
      )}

      <section className="card" aria-labelledby="decl-h">
        <h2 id="decl-h">Accepted declaration</h2>
        {ctx.current ? (
          <>
            <p className="muted small">
              Version {ctx.current.version} by {ctx.current.authorLabel}, <TimeAgo date={ctx.current.createdAt} now={now} />
              {ctx.current.reason ? ` — “${ctx.current.reason}”` : ''}
            </p>
            <DeclarationView spec={ctx.current.spec} />
          </>
        ) : (
          <p className="notice warn">
            No recovery declaration yet.{canEdit ? ' Use “Edit declaration” to write the first version.' : ''}
          </p>
        )}
      </section>

      <ContextClusters slug={slug} />

      <section className="card" aria-labelledby="history-h">
        <div className="spread">
          <h2 id="history-h">History</h2>
          {history.versions.length > 0 && <Link href={`/contexts/${slug}/history`}>Full history and compare</Link>}
        </div>
        <VersionHistory slug={slug} versions={history.versions} currentVersion={ctx.currentVersion} now={now} />
      </section>
    </>
  );
}

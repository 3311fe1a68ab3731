import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { AppError } from '@/lib/base/errors';
import { listAudit, type TAuditEventView } from '@/lib/audit/list-audit';
import { TimeAgo } from '@/components/ui/TimeAgo';
import { formatUtc } from '@/components/lib/format';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Audit trail · Vakt' };

type TSearch = { action?: string; actor?: string; targetType?: string; from?: string; to?: string; before?: string };
const FILTER_KEYS = ['action', 'actor', 'targetType', 'from', 'to'] as const;

const KNOWN_ACTIONS = ['declaration.', 'declaration.created', 'context.created', 'context.updated', 'class.updated', 'classes.defaults_installed', 'site.created', 'team.created', 'user.created', 'token.created', 'token.revoked', 'cluster.', 'promotion.'];
const KNOWN_TARGETS = ['context', 'class', 'site', 'team', 'user', 'token', 'cluster', 'promotion', 'drill'];

const isDay = (s: string | undefined) => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);

function queryString(sp: TSearch, extra: Record<string, string | undefined> = {}) {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (sp[k]) q.set(k, sp[k]!);
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function targetLink(e: TAuditEventView) {
  if (!e.targetId) return <span>{e.targetType}</span>;
  const label = (
    <>
      {e.targetType}: <span className="mono">{e.targetId}</span>
    </>
  );
  if (e.targetType === 'context') return <Link href={`/contexts/${encodeURIComponent(e.targetId)}`}>{label}</Link>;
  return <span>{label}</span>;
}

const json = (v: unknown) => (v === null || v === undefined ? '(none)' : JSON.stringify(v, null, 2));

export default async function AuditPage({ searchParams }: { searchParams: Promise<TSearch> }) {
  await pageActor('viewer', '/audit');
  const sp = await searchParams;
  let result: Awaited<ReturnType<typeof listAudit>> = { events: [], nextCursor: null };
  let problem: string | null = null;
  try {
    result = await listAudit({
      action: sp.action,
      actor: sp.actor,
      targetType: sp.targetType,
      // date inputs are whole UTC days: "to" includes the whole of its day
      from: sp.from,
      to: isDay(sp.to) ? `${sp.to}T23:59:59.999Z` : sp.to,
      before: sp.before,
      limit: 50,
    });
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== 'VALIDATION') throw e;
    problem = (e.details?.fields ?? []).map((f) => `${f.path}: ${f.message}`).join('; ') || e.message;
  }
  const now = new Date();
  const filtered = FILTER_KEYS.some((k) => sp[k]);

  return (
    <>
      <h1>Audit trail</h1>
      <p className="muted">
        Every change and decision, newest first. Rows are append-only (the database refuses updates and deletes) and hash-chained; verify the chain with{' '}
        <code>npm run vakt -- audit verify</code>.
      </p>

      <form method="get" className="card filters" aria-label="Filter audit events">
        <div className="row align-end">
          <label className="field">
            Action
            <input name="action" list="audit-actions" defaultValue={sp.action ?? ''} placeholder="e.g. declaration." aria-describedby="action-hint" />
          </label>
          <label className="field">
            Actor
            <input name="actor" defaultValue={sp.actor ?? ''} placeholder="part of an email or token name" />
          </label>
          <label className="field">
            Target type
            <input name="targetType" list="audit-targets" defaultValue={sp.targetType ?? ''} placeholder="e.g. context" />
          </label>
          <label className="field">
            From (UTC day)
            <input name="from" type="date" defaultValue={sp.from ?? ''} />
          </label>
          <label className="field">
            To (UTC day)
            <input name="to" type="date" defaultValue={sp.to ?? ''} />
          </label>
          <button type="submit" className="btn primary">
            Filter
          </button>
          {filtered && <Link href="/audit">Clear filters</Link>}
        </div>
        <p id="action-hint" className="hint small flush">
          An action ending in “.” matches the whole family (e.g. <code>declaration.</code>).
        </p>
        <datalist id="audit-actions">
          {KNOWN_ACTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <datalist id="audit-targets">
          {KNOWN_TARGETS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </form>

      {problem && (
        <p role="alert" className="notice bad">
          These filters cannot be used: {problem}
        </p>
      )}

      <section aria-labelledby="events-h">
        <h2 id="events-h">{sp.before ? 'Older events' : 'Events'}</h2>
        {result.events.length === 0 ? (
          <p className="muted">{filtered ? 'No events match these filters.' : 'No events recorded yet.'}</p>
        ) : (
          <table className="audit">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Before / after</th>
              </tr>
            </thead>
            <tbody>
              {result.events.map((e) => (
                <tr key={e.id}>
                  <td className="nowrap">
                    <span title={formatUtc(e.at)}>{formatUtc(e.at)}</span>
                    <div className="muted small">
                      <TimeAgo date={e.at} now={now} /> · #{e.id}
                    </div>
                  </td>
                  <td>
                    {e.actorLabel}
                    <div className="muted small">{e.actorType}</div>
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>{targetLink(e)}</td>
                  <td>
                    {e.before === null && e.after === null ? (
                      <span className="muted">—</span>
                    ) : (
                      <details>
                        <summary>Show data</summary>
                        <div className="audit-json">
                          <div>
                            <h3 className="small">Before</h3>
                            <pre>{json(e.before)}</pre>
                          </div>
                          <div>
                            <h3 className="small">After</h3>
                            <pre>{json(e.after)}</pre>
                          </div>
                        </div>
                        <p className="muted small mono flush" title="hash of this row, chained to the previous row">
                          hash {e.hash.slice(0, 16)}…
                        </p>
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav className="row pager" aria-label="Audit pages">
          {sp.before && <Link href={`/audit${queryString(sp)}`}>← Newest</Link>}
          {result.nextCursor && <Link href={`/audit${queryString(sp, { before: result.nextCursor })}`}>Older events →</Link>}
        </nav>
      </section>
    </>
  );
}

import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { getDeclarationHistory } from '@/lib/registry/contexts';
import { diffSpecs } from '@/lib/registry/diff-declarations';
import { SpecDiff } from '@/components/registry/SpecDiff';
import { VersionHistory } from '@/components/registry/VersionHistory';
import { orNotFound } from '../load';

export const dynamic = 'force-dynamic';

type TSearch = { from?: string; to?: string };

export default async function HistoryPage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<TSearch> }) {
  const { slug } = await params;
  await pageActor('viewer', `/contexts/${slug}/history`);
  const h = await orNotFound(getDeclarationHistory(slug));
  const sp = await searchParams;
  const numbers = h.versions.map((v) => v.version);
  const pick = (raw: string | undefined, fallback: number | undefined) => {
    const n = Number(raw);
    return numbers.includes(n) ? n : fallback;
  };
  const to = pick(sp.to, numbers[0]);
  const from = pick(sp.from, numbers[1]);
  const a = h.versions.find((v) => v.version === from);
  const b = h.versions.find((v) => v.version === to);
  const now = new Date();

  return (
    <>
      <p className="small">
        <Link href={`/contexts/${slug}`}>← Back to {slug}</Link>
      </p>
      <h1>Declaration history of {slug}</h1>
      {numbers.length >= 2 && (
        <section className="card" aria-labelledby="compare-h">
          <h2 id="compare-h">Compare two versions</h2>
          <form method="get" className="row">
            <VersionSelect label="Compare version" name="from" value={from} versions={numbers} />
            <VersionSelect label="with version" name="to" value={to} versions={numbers} />
            <button type="submit" className="btn">
              Compare
            </button>
          </form>
          {a && b && (
            <>
              <h3>
                Version {a.version} → version {b.version}
              </h3>
              <SpecDiff changes={diffSpecs(a.spec, b.spec)} />
            </>
          )}
        </section>
      )}
      <section className="card" aria-labelledby="versions-h">
        <h2 id="versions-h">All versions</h2>
        <VersionHistory slug={slug} versions={h.versions} currentVersion={h.currentVersion} now={now} openLatest />
      </section>
    </>
  );
}

function VersionSelect({ label, name, value, versions }: { label: string; name: string; value: number | undefined; versions: number[] }) {
  return (
    <label className="inline-label">
      {label}
      <select name={name} defaultValue={String(value)}>
        {versions.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}

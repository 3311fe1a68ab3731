import Link from 'next/link';
import { notFound } from 'next/navigation';
import { pageActor } from '@/lib/auth/session';
import { AppError } from '@/lib/base/errors';
import { readCluster } from '@/lib/readmodel/read';
import { ClusterLive, HISTORY_MINUTES } from '@/components/fleet/ClusterLive';
import { SafetyPanel } from '@/components/promotion/SafetyPanel';
import { DrillSection } from '@/components/drills/DrillSection';
import { hasRole } from '@/lib/auth/roles';
import { listDrills } from '@/lib/drills/read-drills';
import { loadDrillInputs } from '@/lib/drills/load-drill-inputs';
import { RunDrillForm } from '@/app/drills/RunDrillForm';
import { ClusterPolicy } from '@/components/fleet/ClusterPolicy';
import { RejoinSection } from '@/components/promotion/RejoinSection';
import { stepUpFor } from '@/lib/auth/step-up';

export const dynamic = 'force-dynamic';
/** When the server read the data (react-query's initialDataUpdatedAt). */
const renderedAt = () => Date.now();

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  return { title: `${decodeURIComponent((await params).name)} · Vakt` };
}

export default async function ClusterPage({ params }: { params: Promise<{ name: string }> }) {
  const name = decodeURIComponent((await params).name);
  const actor = await pageActor('viewer', `/clusters/${encodeURIComponent(name)}`);
  const cluster = await readCluster(name, { historyMinutes: HISTORY_MINUTES }).catch((e) => {
    if (e instanceof AppError && e.status === 404) notFound();
    throw e;
  });
  const [drills, drillInputs] = await Promise.all([listDrills({ cluster: name, limit: 10 }), loadDrillInputs({ name })]);
  return (
    <>
      <p className="small">
        <Link href="/fleet">← Fleet</Link>
      </p>
      <div className="spread">
        <h1>
          Cluster <span className="mono">{cluster.name}</span>
        </h1>
        <span className="muted small">
          {cluster.kind === 'patroni' ? 'observed through Patroni' : 'observed through Vakt agents'} · <Link href={`/clusters/${encodeURIComponent(cluster.name)}/backups`}>backups</Link>
        </span>
      </div>
      {cluster.contexts.length > 0 && (
        <p className="muted">
          Holds{' '}
          {cluster.contexts.map((c, i) => (
            <span key={c.slug}>
              {i > 0 && ', '}
              <Link href={`/contexts/${c.slug}`}>{c.slug}</Link>
              {c.database && (
                <span className="mono small">
                  {' '}
                  ({c.database}
                  {c.schema ? `.${c.schema}` : ''})
                </span>
              )}
            </span>
          ))}
          .
        </p>
      )}
      {cluster.policy && <ClusterPolicy policy={cluster.policy} />}
      <ClusterLive
        initial={cluster}
        initialAt={renderedAt()}
        safety={<SafetyPanel clusterName={cluster.name} role={actor.role} />}
      />
      {cluster.kind === 'vakt-agent' && <RejoinSection cluster={cluster.name} role={actor.role} userId={actor.id} stepUp={stepUpFor(actor)} />}
      <DrillSection drills={drills} form={hasRole(actor.role, 'operator') ? <RunDrillForm cluster={cluster.name} labels={drillInputs.catalog.backups.map((b) => b.label).reverse()} /> : null} />
    </>
  );
}

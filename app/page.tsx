import { pageActor } from '@/lib/auth/session';
import { readOverview } from '@/lib/readmodel/overview';
import { Overview } from '@/components/overview/Overview';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Overview · Vakt' };
/** When the server read the data (react-query's initialDataUpdatedAt). */
const renderedAt = () => Date.now();

export default async function OverviewPage() {
  await pageActor('viewer', '/');
  const overview = await readOverview();
  return (
    <>
      <h1>Overview</h1>
      <p className="muted">What needs a person now, most urgent first, then every cluster by site. From what Vakt&apos;s worker stored; a cluster it has not evaluated recently reads unknown, never healthy.</p>
      <Overview initial={overview} initialAt={renderedAt()} />
    </>
  );
}

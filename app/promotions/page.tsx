import { pageActor } from '@/lib/auth/session';
import { PromotionList } from '@/components/promotion/PromotionList';
import { PROMOTION_STATUSES } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

export default async function PromotionsPage({ searchParams }: { searchParams: Promise<{ cluster?: string; status?: string }> }) {
  await pageActor('viewer', '/promotions');
  const sp = await searchParams;
  const status = PROMOTION_STATUSES.find((s) => s === sp.status);
  const cluster = sp.cluster?.trim() || undefined;
  return (
    <>
      <h1>Promotions</h1>
      <form className="row filters" method="get">
        <label>
          Cluster <input name="cluster" defaultValue={cluster ?? ''} />
        </label>
        <label>
          Status{' '}
          <select name="status" defaultValue={status ?? ''}>
            <option value="">any</option>
            {PROMOTION_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <button className="btn" type="submit">
          Filter
        </button>
      </form>
      <PromotionList clusterName={cluster} status={status} />
    </>
  );
}

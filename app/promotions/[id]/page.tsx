import { pageActor } from '@/lib/auth/session';
import { stepUpFor } from '@/lib/auth/step-up';
import { PromotionDetail } from '@/components/promotion/PromotionDetail';

export const dynamic = 'force-dynamic';

export default async function PromotionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await pageActor('viewer', `/promotions/${id}`);
  return <PromotionDetail id={id} role={actor.role} userId={actor.id} stepUp={stepUpFor(actor)} />;
}

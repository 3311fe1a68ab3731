import type { TActor } from '@/lib/auth/actor';
import { endUnstartedPromotion } from './end-unstarted-promotion';

/** An operator rejects a request that has not started executing. */
export async function rejectPromotion(opts: { actor: TActor; id: string; reason: string }): Promise<{ id: string; status: 'REJECTED' }> {
  return endUnstartedPromotion({ actor: opts.actor, id: opts.id, status: 'REJECTED', detail: `${opts.actor.label}: ${opts.reason}`, reason: opts.reason });
}

import type { TActor } from '@/lib/auth/actor';
import { forbidden } from '@/lib/base/errors';
import { endUnstartedPromotion } from './end-unstarted-promotion';
import { mayCancel } from './rules';

/** The requester (or an admin) withdraws a request that has not started executing. */
export async function cancelPromotion(opts: { actor: TActor; id: string; reason?: string }): Promise<{ id: string; status: 'CANCELLED' }> {
  return endUnstartedPromotion({
    actor: opts.actor,
    id: opts.id,
    status: 'CANCELLED',
    detail: `${opts.actor.label}${opts.reason ? `: ${opts.reason}` : ''}`,
    reason: opts.reason ?? null,
    allow: (req) => {
      if (!mayCancel(opts.actor, req.requestedById)) throw forbidden('only the requester or an admin can cancel a promotion request');
    },
  });
}

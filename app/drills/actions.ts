'use server';

import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { AppError } from '@/lib/base/errors';
import { requestDrill } from '@/lib/drills/request-drill';
import { ZRequestDrillBody } from '@/lib/drills/schemas';
import { formStateFromError } from '@/components/ui/action-errors';
import { formSuccess, formValues, type TFormState } from '@/components/ui/form-state';

/** Operator: request a restore drill of a cluster (the same use case as POST /api/v1/clusters/{name}/drills). */
export async function runDrillAction(prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  try {
    const actor = await actionActor('operator');
    const body = ZRequestDrillBody.parse({ backup: values.backup || undefined, targetTime: values.targetTime || undefined });
    const r = await requestDrill({ actor, cluster: values.cluster ?? '', ...body });
    revalidatePath(`/clusters/${encodeURIComponent(values.cluster ?? '')}`);
    return formSuccess(prev, `Restore drill ${r.id} queued; the worker runs it on the drill host.`);
  } catch (e) {
    // one is already queued or running (an operator's, or the schedule's): re-render the page so it lists
    // that drill and follows it to its end, beside the refusal
    if (e instanceof AppError && e.code === 'CONFLICT') revalidatePath(`/clusters/${encodeURIComponent(values.cluster ?? '')}`);
    return formStateFromError(e, prev, values);
  }
}

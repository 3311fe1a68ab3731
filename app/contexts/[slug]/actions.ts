'use server';

import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { reviewDeclaration } from '@/lib/registry/lifecycle-review';
import { formStateFromError } from '@/components/ui/action-errors';
import { formSuccess, formValues, type TFormState } from '@/components/ui/form-state';

/** Accept or reject the pending proposal from the context page: the same use case as POST …/declarations/{version}/accept|reject. */
export async function reviewProposal(slug: string, version: number, prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  const action = values.decision === 'reject' ? 'reject' : 'accept';
  try {
    const actor = await actionActor('admin');
    const r = await reviewDeclaration({ actor, slug, version, action, reason: values.reason });
    revalidatePath(`/contexts/${slug}`);
    return formSuccess(prev, r.status === 'accepted' ? `Version ${version} accepted: it binds now.` : `Version ${version} rejected; version ${r.currentVersion || 'none'} stays accepted.`);
  } catch (e) {
    return formStateFromError(e, prev, values);
  }
}

'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { actionActor } from '@/lib/auth/session';
import { AppError } from '@/lib/base/errors';
import { parsePutDeclarationInput, putDeclaration } from '@/lib/registry/put-declaration';
import { valuesToSpec } from '@/components/registry/declaration-form-values';
import { formStateFromError } from '@/components/ui/action-errors';
import { formValues, nextAttempt, type TFormState } from '@/components/ui/form-state';

/**
 * Creates a context with its first declaration (admin): the same use case as
 * `PUT /api/v1/contexts/{slug}/declaration` and `vaktctl apply`, as a declaration file, with base
 * version 0 so that an existing slug is refused instead of getting a new version.
 */
export async function createContext(prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  const slug = (values.context ?? '').trim();
  try {
    const actor = await actionActor('admin');
    const input = parsePutDeclarationInput({
      apiVersion: 'vakt/v1',
      kind: 'RecoveryDeclaration',
      context: slug,
      name: values.name ?? '',
      team: values.team ?? '',
      baseVersion: 0,
      reason: values.reason?.trim() || 'new context',
      spec: valuesToSpec(values),
    });
    await putDeclaration({ actor, slug, input });
  } catch (e) {
    if (e instanceof AppError && e.code === 'CONFLICT') {
      return { message: `A context ${slug} exists already: open it to change its declaration`, errors: { context: 'exists already' }, values, attempt: nextAttempt(prev) };
    }
    return formStateFromError(e, prev, values);
  }
  revalidatePath('/contexts');
  redirect(`/contexts/${slug}`);
}

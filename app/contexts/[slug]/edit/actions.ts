'use server';

import { cookies } from 'next/headers';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { actionActor } from '@/lib/auth/session';
import { AppError } from '@/lib/base/errors';
import { parsePutDeclarationInput, putDeclaration } from '@/lib/registry/put-declaration';
import { valuesToSpec } from '@/components/registry/declaration-form-values';
import { formStateFromError } from '@/components/ui/action-errors';
import { formValues, nextAttempt, type TFormState } from '@/components/ui/form-state';
import { SAVED_COOKIE, type TSavedFlash } from '../load';

/**
 * Saves a new declaration version from the edit form. Checks session, role and Origin itself
 * (actionActor), and putDeclaration checks that the actor may write this context's team.
 * Lint findings never block: on success we go to the context page, which shows them.
 */
export async function saveDeclaration(slug: string, prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  let saved: TSavedFlash;
  try {
    const actor = await actionActor('service-owner');
    const base = values.baseVersion;
    const result = await putDeclaration({
      actor,
      slug,
      input: parsePutDeclarationInput({
        spec: valuesToSpec(values),
        ...(base !== undefined && base !== '' ? { baseVersion: Number(base) } : {}),
        ...(values.reason?.trim() ? { reason: values.reason } : {}),
      }),
    });
    saved = { slug, version: result.version, created: result.created };
  } catch (e) {
    if (e instanceof AppError && e.code === 'CONFLICT' && typeof e.details?.currentVersion === 'number') {
      return {
        message: `Someone saved a change (accepted version ${e.details.currentVersion}${typeof e.details.pendingVersion === 'number' ? `, pending proposal ${e.details.pendingVersion}` : ''}) after you opened this form — reload to see it`,
        errors: {},
        values,
        attempt: nextAttempt(prev),
      };
    }
    return formStateFromError(e, prev, values);
  }
  (await cookies()).set(SAVED_COOKIE, JSON.stringify(saved), { path: `/contexts/${slug}`, maxAge: 30, httpOnly: true, sameSite: 'lax' });
  revalidatePath(`/contexts/${slug}`);
  revalidatePath('/contexts');
  redirect(`/contexts/${slug}`);
}

'use server';

import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { updateClass } from '@/lib/registry/classes';
import { formStateFromError } from '@/components/ui/action-errors';
import { formSuccess, formValues, type TFormState } from '@/components/ui/form-state';

/** Admin: rename, re-bound (empty = unset) or re-describe one class. */
export async function saveClass(prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  try {
    const actor = await actionActor('admin');
    const bound = (values.boundSeconds ?? '').trim();
    const saved = await updateClass({
      actor,
      id: values.id ?? '',
      input: {
        name: values.name?.trim() || undefined,
        boundSeconds: bound === '' ? null : Number(bound),
        description: values.description?.trim() ? values.description.trim() : null,
      },
    });
    revalidatePath('/classes');
    revalidatePath('/contexts', 'layout');
    return formSuccess(prev, `Saved ${saved.name}.`);
  } catch (e) {
    return formStateFromError(e, prev, values);
  }
}

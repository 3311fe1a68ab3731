'use server';

import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { createTeam } from '@/lib/registry/teams';
import { formStateFromError } from '@/components/ui/action-errors';
import { formValues, type TFormState } from '@/components/ui/form-state';

export async function addTeam(prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  try {
    const actor = await actionActor('admin');
    const team = await createTeam({ actor, name: values.name ?? '' });
    revalidatePath('/teams');
    return { ok: true, message: `Team ${team.name} created.`, errors: {}, attempt: (prev.attempt ?? 0) + 1 };
  } catch (e) {
    return formStateFromError(e, prev, values);
  }
}

'use server';

import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { createTeam } from '@/lib/registry/teams';
import { formStateFromError } from '@/components/ui/action-errors';
import { formSuccess, formValues, type TFormState } from '@/components/ui/form-state';

export async function addTeam(prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  try {
    const actor = await actionActor('admin');
    const team = await createTeam({ actor, name: values.name ?? '' });
    revalidatePath('/teams');
    return formSuccess(prev, `Team ${team.name} created.`);
  } catch (e) {
    return formStateFromError(e, prev, values);
  }
}

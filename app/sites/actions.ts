'use server';

import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { createSite } from '@/lib/registry/sites';
import { formStateFromError } from '@/components/ui/action-errors';
import { formSuccess, formValues, type TFormState } from '@/components/ui/form-state';

export async function addSite(prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  try {
    const actor = await actionActor('admin');
    const site = await createSite({ actor, input: { name: values.name ?? '', ...(values.region?.trim() ? { region: values.region } : {}) } });
    revalidatePath('/sites');
    return formSuccess(prev, `Site ${site.name} created.`);
  } catch (e) {
    return formStateFromError(e, prev, values);
  }
}

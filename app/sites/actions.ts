'use server';

import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { createSite } from '@/lib/registry/sites';
import { formStateFromError } from '@/components/ui/action-errors';
import { formValues, type TFormState } from '@/components/ui/form-state';

export async function addSite(prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  try {
    const actor = await actionActor('admin');
    const site = await createSite({ actor, input: { name: values.name ?? '', ...(values.region?.trim() ? { region: values.region } : {}) } });
    revalidatePath('/sites');
    return { ok: true, message: `Site ${site.name} created.`, errors: {}, attempt: (prev.attempt ?? 0) + 1 };
  } catch (e) {
    return formStateFromError(e, prev, values);
  }
}

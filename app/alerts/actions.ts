'use server';

import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { ackAlert, createSilence } from '@/lib/alerts/alerts';
import { formStateFromError } from '@/components/ui/action-errors';
import { formSuccess, formValues, type TFormState } from '@/components/ui/form-state';

export async function acknowledge(prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  try {
    const actor = await actionActor('operator');
    await ackAlert({ actor, id: values.id ?? '' });
    revalidatePath('/alerts');
    return formSuccess(prev, 'Acknowledged.');
  } catch (e) {
    return formStateFromError(e, prev, values);
  }
}

/** Silence an alert's target (its rule on its cluster / context / member) for `hours`. */
export async function silence(prev: TFormState, formData: FormData): Promise<TFormState> {
  const values = formValues(formData);
  try {
    const actor = await actionActor('operator');
    const hours = Number(values.hours);
    const until = new Date(Date.now() + (Number.isFinite(hours) ? hours : 0) * 3_600_000).toISOString();
    const match = Object.fromEntries(['rule', 'cluster', 'context', 'member'].filter((k) => values[k]).map((k) => [k, values[k]]));
    await createSilence({ actor, input: { match, until, reason: values.reason ?? '' } });
    revalidatePath('/alerts');
    return formSuccess(prev, `Silenced until ${until}.`);
  } catch (e) {
    return formStateFromError(e, prev, values);
  }
}

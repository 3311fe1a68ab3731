'use server';

import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { createApiToken, revokeApiToken } from '@/lib/auth/tokens';
import { formStateFromError } from '@/components/ui/action-errors';
import { formSuccess, formValues, type TFormState } from '@/components/ui/form-state';

export type TCreateTokenState = TFormState & { token?: string; tokenName?: string };

/** Admin: create an API token. The token is returned once, in this answer only (Vakt keeps its hash). */
export async function createToken(prev: TCreateTokenState, formData: FormData): Promise<TCreateTokenState> {
  const values = formValues(formData);
  try {
    const actor = await actionActor('admin');
    const teams = formData.getAll('teams').filter((t): t is string => typeof t === 'string' && t !== '');
    const created = await createApiToken({ actor, input: { name: values.name ?? '', role: (values.role ?? '') as never, teams } });
    revalidatePath('/admin/tokens');
    return { ...formSuccess(prev, `Token ${created.name} created.`), token: created.token, tokenName: created.name };
  } catch (e) {
    return formStateFromError(e, prev, values);
  }
}

/** Admin: revoke a token by name (idempotent). */
export async function revokeToken(prev: TFormState, formData: FormData): Promise<TFormState> {
  try {
    const actor = await actionActor('admin');
    const name = String(formData.get('name') ?? '');
    const r = await revokeApiToken({ actor, name });
    revalidatePath('/admin/tokens');
    return formSuccess(prev, r.alreadyRevoked ? `${name} was already revoked.` : `${name} revoked.`);
  } catch (e) {
    return formStateFromError(e, prev);
  }
}

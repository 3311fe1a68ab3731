'use server';
import { redirect } from 'next/navigation';
import { revalidatePath } from 'next/cache';
import { actionActor } from '@/lib/auth/session';
import { parseRegisterClusterInput, registerCluster } from '@/lib/registry/register-cluster';
import { formStateFromError } from '@/components/ui/action-errors';
import { formValues, type TFormState } from '@/components/ui/form-state';

import { MEMBER_ROWS } from './constants';

/** Form fields -> the POST /api/v1/clusters body (contexts: one per line, `slug [database[.schema]]`). */
function toInput(v: Record<string, string>) {
  const contexts = (v.contexts ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [slug, where] = line.split(/\s+/);
      if (!where) return slug;
      const [database, schema] = where.split('.');
      return { slug, database, ...(schema ? { schema } : {}) };
    });
  const members = [];
  for (let i = 0; i < MEMBER_ROWS; i++) {
    const m = { name: v[`members.${i}.name`]?.trim(), site: v[`members.${i}.site`]?.trim(), agentUrl: v[`members.${i}.agentUrl`]?.trim(), agentToken: v[`members.${i}.agentToken`] };
    if (!m.name && !m.agentUrl && !m.agentToken) continue;
    members.push({ name: m.name ?? '', site: m.site ?? '', agentUrl: m.agentUrl ?? '', ...(m.agentToken ? { agentToken: m.agentToken } : {}) });
  }
  return { name: v.name?.trim(), kind: v.kind, contexts, members };
}

export async function registerClusterAction(prev: TFormState, fd: FormData): Promise<TFormState> {
  const values = formValues(fd);
  // tokens are never sent back to the browser
  const kept = Object.fromEntries(Object.entries(values).filter(([k]) => !k.endsWith('.agentToken')));
  let name: string;
  try {
    const actor = await actionActor('admin');
    const created = await registerCluster({ actor, input: parseRegisterClusterInput(toInput(values)) });
    name = created.name;
  } catch (e) {
    return formStateFromError(e, prev, kept);
  }
  revalidatePath('/fleet');
  redirect(`/clusters/${encodeURIComponent(name)}`);
}

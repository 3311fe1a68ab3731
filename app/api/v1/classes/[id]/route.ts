import { readJson, withApi } from '@/lib/api/handler';
import { updateClass } from '@/lib/registry/classes';

export const dynamic = 'force-dynamic';

export const PATCH = withApi<{ id: string }>({ role: 'admin' }, async ({ actor, params, req }) => updateClass({ actor, id: params.id, input: await readJson(req) }));

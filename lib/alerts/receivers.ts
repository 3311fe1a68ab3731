// Alert receivers (admin): Alertmanager, a generic webhook, Slack. URLs must resolve inside
// VAKT_RECEIVER_ALLOW (the agents' SSRF guard, lib/base/net, with its own list); the URL (a Slack
// webhook URL is itself a credential) and the optional bearer token are sealed with VAKT_SECRET_KEY and
// never returned: answers show the scheme, host and port only.
import { z } from 'zod';
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, notFound } from '@/lib/base/errors';
import { sealSecret } from '@/lib/base/secret-box';
import { parseAllowList, type TAllowList } from '@/lib/base/net/allow-list';
import { AgentHttpError, assertAgentUrlAllowed } from '@/lib/base/net/agent-http';
import { RECEIVER_KINDS } from './payloads';

export const ZReceiverInput = z.strictObject({
  name: z.string({ error: 'required: a name, e.g. oncall' }).trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and "-", at most 63 characters'),
  kind: z.enum(RECEIVER_KINDS, { error: 'one of alertmanager, webhook, slack' }),
  url: z.url({ protocol: /^https?$/, error: 'an http(s) URL (Alertmanager: its base URL, e.g. http://127.0.0.1:9093)' }),
  token: z.string().min(1).max(4096).optional(),
  resendSeconds: z.number().int().min(5).max(3600).optional(),
});
export type TReceiverInput = z.input<typeof ZReceiverInput>;

export type TReceiverView = {
  id: string;
  name: string;
  kind: string;
  target: string;
  hasToken: boolean;
  resendSeconds: number;
  createdAt: string;
  deliveries: { pending: number; delivered: number; failed: number; silenced: number };
  lastError: string | null;
};

let cached: TAllowList | undefined;
/** VAKT_RECEIVER_ALLOW (hosts, addresses, CIDR ranges; default loopback only), parsed once per value. */
export function receiverAllowList(): TAllowList {
  const spec = env().VAKT_RECEIVER_ALLOW;
  if (!cached || cached.spec !== spec) cached = parseAllowList(spec);
  return cached;
}

/** The guard's messages name the agents' variable; a receiver's name this one. */
export const receiverMessage = (e: Error) => e.message.replaceAll('VAKT_AGENT_ALLOW', 'VAKT_RECEIVER_ALLOW');

export async function listReceivers(): Promise<TReceiverView[]> {
  const [rows, counts, errors] = await Promise.all([
    db.alertReceiver.findMany({ orderBy: { name: 'asc' } }),
    db.alertDelivery.groupBy({ by: ['receiverId', 'status'], _count: { _all: true } }),
    db.$queryRawUnsafe<{ receiverId: string; lastError: string }[]>(
      `SELECT DISTINCT ON ("receiverId") "receiverId", "lastError" FROM "vakt"."AlertDelivery" WHERE "lastError" IS NOT NULL ORDER BY "receiverId", "createdAt" DESC`,
    ),
  ]);
  return rows.map((r) => {
    const d = { pending: 0, delivered: 0, failed: 0, silenced: 0 };
    for (const c of counts) if (c.receiverId === r.id && c.status in d) d[c.status as keyof typeof d] = c._count._all;
    return { id: r.id, name: r.name, kind: r.kind, target: r.target, hasToken: r.tokenEnc !== null, resendSeconds: r.resendSeconds, createdAt: r.createdAt.toISOString(), deliveries: d, lastError: errors.find((x) => x.receiverId === r.id)?.lastError ?? null };
  });
}

export async function createReceiver(opts: { actor: TActor; input: TReceiverInput }): Promise<TReceiverView> {
  requireRole(opts.actor, 'admin');
  const input = ZReceiverInput.parse(opts.input);
  const u = new URL(input.url);
  if (u.username || u.password) throw new AppError('VALIDATION', 'put credentials in "token", not in the URL');
  try {
    await assertAgentUrlAllowed(input.url, receiverAllowList());
  } catch (e) {
    if (e instanceof AgentHttpError) throw new AppError('VALIDATION', `receiver URL refused: ${receiverMessage(e)}`);
    throw e;
  }
  const target = u.origin;
  return db.$transaction(async (tx) => {
    if (await tx.alertReceiver.findUnique({ where: { name: input.name } })) throw conflict(`a receiver named ${input.name} already exists`);
    const r = await tx.alertReceiver.create({
      data: { name: input.name, kind: input.kind, target, urlEnc: sealSecret(input.url), tokenEnc: input.token ? sealSecret(input.token) : null, resendSeconds: input.resendSeconds ?? 60 },
    });
    await audit(tx, { actor: opts.actor, action: 'receiver.created', targetType: 'receiver', targetId: r.name, after: { name: r.name, kind: r.kind, target, hasToken: Boolean(input.token) } });
    return { id: r.id, name: r.name, kind: r.kind, target, hasToken: r.tokenEnc !== null, resendSeconds: r.resendSeconds, createdAt: r.createdAt.toISOString(), deliveries: { pending: 0, delivered: 0, failed: 0, silenced: 0 }, lastError: null };
  });
}

export async function deleteReceiver(opts: { actor: TActor; id: string }): Promise<void> {
  requireRole(opts.actor, 'admin');
  await db.$transaction(async (tx) => {
    const r = await tx.alertReceiver.findUnique({ where: { id: opts.id } });
    if (!r) throw notFound(`receiver ${opts.id}`);
    await tx.alertReceiver.delete({ where: { id: r.id } });
    await audit(tx, { actor: opts.actor, action: 'receiver.deleted', targetType: 'receiver', targetId: r.name, before: { name: r.name, kind: r.kind, target: r.target } });
  });
}

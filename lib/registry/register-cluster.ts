import { z } from 'zod';
import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict, fieldErrors, type TFieldError } from '@/lib/base/errors';
import { env } from '@/lib/base/env';
import { sealSecret } from '@/lib/base/secret-box';
import { assertAgentUrlAllowed } from '@/lib/base/net/agent-http';
import { getCluster, type TClusterView } from './read-clusters';
import { assertRepositorySite, ZBackupRepositorySite } from './update-cluster';
import { clusterKindToDb, ZClusterKind } from '@/lib/pg';

// docs/api.md "Registering a cluster".
const ZName = z.string({ error: 'required' }).trim().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" and "-", at most 63 characters');
const ZSlug = z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a context slug (lower-case letters, digits, "-")');
const ZIdent = z.string().trim().min(1).max(63, 'at most 63 characters');

export const ZClusterContextRef = z.union([
  ZSlug.transform((slug) => ({ slug, database: undefined as string | undefined, schema: undefined as string | undefined })),
  z.strictObject({ slug: ZSlug, database: ZIdent.optional(), schema: ZIdent.optional() }),
]);
export const ZClusterMemberInput = z.strictObject({
  name: ZName,
  site: z.string({ error: 'required: the site name' }).trim().min(1, 'required: the site name'),
  agentUrl: z.string({ error: 'required: the agent (or Patroni REST) base URL' }).trim().min(1).max(2000),
  agentToken: z.string().min(1).max(4096).optional(),
  /** Patroni members only: a Vakt agent beside the member (docs/api.md "A Vakt agent beside a Patroni member") */
  fenceAgent: z.strictObject({ url: z.string({ error: 'required: the Vakt agent base URL' }).trim().min(1).max(2000), token: z.string({ error: 'required: the Vakt agent bearer token' }).min(1).max(4096) }).optional(),
});
export const ZRegisterClusterInput = z
  .strictObject({
    name: ZName,
    kind: ZClusterKind.default('vakt-agent'),
    contexts: z.array(ZClusterContextRef).max(100).default([]),
    members: z.array(ZClusterMemberInput).min(1, 'a cluster needs at least one member').max(64),
    /** the site of the cluster's pgBackRest repository (lib/readiness: region loss); omitted = not declared */
    backupRepositorySite: ZBackupRepositorySite.optional(),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.members.forEach((m, i) => {
      if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: ['members', i, 'name'], message: `duplicate member name ${m.name}` });
      seen.add(m.name);
      if (v.kind === 'vakt-agent' && !m.agentToken) ctx.addIssue({ code: 'custom', path: ['members', i, 'agentToken'], message: 'required: the agent bearer token' });
      if (v.kind === 'patroni' && m.agentToken && !m.agentToken.includes(':')) {
        ctx.addIssue({ code: 'custom', path: ['members', i, 'agentToken'], message: 'for Patroni, user:password for its basic auth' });
      }
      if (v.kind !== 'patroni' && m.fenceAgent) {
        ctx.addIssue({ code: 'custom', path: ['members', i, 'fenceAgent'], message: "only for Patroni members: a Vakt-agent member's agentUrl is already its agent" });
      }
    });
    const slugs = new Set<string>();
    v.contexts.forEach((c, i) => {
      if (slugs.has(c.slug)) ctx.addIssue({ code: 'custom', path: ['contexts', i, 'slug'], message: `context ${c.slug} listed twice` });
      slugs.add(c.slug);
    });
  });
export type TRegisterClusterInput = z.input<typeof ZRegisterClusterInput>;
export type TRegisterCluster = z.output<typeof ZRegisterClusterInput>;

const invalid = (fields: TFieldError[]) =>
  new AppError('VALIDATION', `invalid cluster: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, { fields });
/** ZRegisterClusterInput's issues -> the 422 of an invalid cluster (POST /api/v1/clusters and this use case). */
export const invalidCluster = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) => invalid(fieldErrors(issues));

/** Untrusted input (a form, a file) -> a register-cluster request, or the 422 of an invalid cluster. */
export function parseRegisterClusterInput(raw: unknown): TRegisterCluster {
  const parsed = ZRegisterClusterInput.safeParse(raw);
  if (!parsed.success) throw invalidCluster(parsed.error.issues);
  return parsed.data;
}

/**
 * Admin: register a cluster, its members (tokens encrypted) and the contexts it holds; audited.
 * `input` is checked against ZRegisterClusterInput here too (scripts and tests call this directly).
 */
export async function registerCluster(opts: { actor: TActor; input: TRegisterClusterInput }): Promise<TClusterView> {
  requireRole(opts.actor, 'admin');
  const input = parseRegisterClusterInput(opts.input);

  const urlErrors: TFieldError[] = [];
  await Promise.all(
    input.members.map(async (m, i) => {
      try {
        await assertAgentUrlAllowed(m.agentUrl);
      } catch (e) {
        urlErrors.push({ path: `members.${i}.agentUrl`, message: (e as Error).message });
      }
      if (!m.fenceAgent) return;
      try {
        await assertAgentUrlAllowed(m.fenceAgent.url);
      } catch (e) {
        urlErrors.push({ path: `members.${i}.fenceAgent.url`, message: (e as Error).message });
      }
    }),
  );
  if (urlErrors.length) throw invalid(urlErrors.sort((a, b) => a.path.localeCompare(b.path)));
  // Encrypt before the transaction: a missing VAKT_SECRET_KEY fails cleanly, nothing half-written.
  let sealed: (string | null)[];
  let sealedFence: (string | null)[];
  try {
    sealed = input.members.map((m) => (m.agentToken ? sealSecret(m.agentToken) : null));
    sealedFence = input.members.map((m) => (m.fenceAgent ? sealSecret(m.fenceAgent.token) : null));
  } catch (e) {
    throw new AppError('UNAVAILABLE', (e as Error).message);
  }
  const intervalMs = env().VAKT_POLL_INTERVAL_MS;

  await db
    .$transaction(async (tx) => {
    if (await tx.cluster.findUnique({ where: { name: input.name }, select: { id: true } })) throw conflict(`a cluster named ${input.name} already exists`);
    const sites = await tx.site.findMany({ where: { name: { in: input.members.map((m) => m.site) } } });
    const contexts = await tx.boundedContext.findMany({ where: { slug: { in: input.contexts.map((c) => c.slug) } } });
    const missing: TFieldError[] = [];
    input.members.forEach((m, i) => {
      if (!sites.some((s) => s.name === m.site)) missing.push({ path: `members.${i}.site`, message: `no site named ${m.site} (create it first)` });
    });
    input.contexts.forEach((c, i) => {
      if (!contexts.some((x) => x.slug === c.slug)) missing.push({ path: `contexts.${i}.slug`, message: `no bounded context ${c.slug}` });
    });
    if (missing.length) throw invalid(missing);
    await assertRepositorySite(tx, input.backupRepositorySite);
    const now = Date.now();
    await tx.cluster.create({
      data: {
        name: input.name,
        kind: clusterKindToDb(input.kind),
        backupRepositorySite: input.backupRepositorySite ?? null,
        members: {
          create: input.members.map((m, i) => ({
            name: m.name,
            siteId: sites.find((s) => s.name === m.site)!.id,
            agentUrl: m.agentUrl.replace(/\/+$/, ''),
            agentTokenEnc: sealed[i],
            fenceAgentUrl: m.fenceAgent ? m.fenceAgent.url.replace(/\/+$/, '') : null,
            fenceAgentTokenEnc: sealedFence[i],
            // first polls spread over one interval, so a big registration does not poll in one burst
            nextPollAt: new Date(now + Math.floor(Math.random() * intervalMs)),
          })),
        },
        contexts: {
          create: input.contexts.map((c) => ({ contextId: contexts.find((x) => x.slug === c.slug)!.id, database: c.database ?? null, schema: c.schema ?? null })),
        },
      },
    });
    await audit(tx, {
      actor: opts.actor,
      action: 'cluster.registered',
      targetType: 'cluster',
      targetId: input.name,
      after: {
        name: input.name,
        kind: input.kind,
        ...(input.backupRepositorySite ? { backupRepositorySite: input.backupRepositorySite } : {}),
        contexts: input.contexts.map((c) => ({ slug: c.slug, database: c.database ?? null, schema: c.schema ?? null })),
        // never the token: only whether one was given
        members: input.members.map((m) => ({ name: m.name, site: m.site, agentUrl: m.agentUrl, hasToken: Boolean(m.agentToken), ...(m.fenceAgent ? { fenceAgentUrl: m.fenceAgent.url } : {}) })),
      },
    });
  })
    .catch((e: unknown) => {
      // two admins racing for one name: the unique index decides
      if ((e as { code?: string })?.code === 'P2002') throw conflict(`a cluster named ${input.name} already exists`);
      throw e;
    });
  return getCluster(input.name);
}

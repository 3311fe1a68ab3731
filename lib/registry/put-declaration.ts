import { z } from 'zod';
import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import { canonicalJson } from '@/lib/audit/canonical';
import type { TActor } from '@/lib/auth/actor';
import { canWriteContext } from '@/lib/auth/roles';
import { AppError, conflict, forbidden, notFound } from '@/lib/base/errors';
import { sortFindings, type TFinding } from '@/lib/findings/types';
import { getClassCatalog } from './classes';
import { declarationFieldErrors, SLUG_RE, ZDeclarationFile, ZDeclarationUpdate, type TDeclarationSpec } from './declaration-schema';
import { diffSpecs } from './diff-declarations';
import { loadLiveFindings } from '../findings/load-live-findings';
import { lintDeclaration } from '../findings/lint-declaration';
import { insertTeam } from './teams';
import { saveOutcome, type TDeclarationStatus } from './lifecycle-transitions';

export type TPutDeclarationResult = { version: number; created: boolean; status: TDeclarationStatus; findings: TFinding[] };

/** What a caller sends: a full declaration file (apiVersion/kind/context/...) or `{spec, baseVersion?, reason?, name?, team?}`. */
export type TPutDeclarationInput = z.input<typeof ZDeclarationFile> | z.input<typeof ZDeclarationUpdate>;

const NOT_AN_OBJECT = 'vakt.declaration-not-an-object';
/**
 * The body of PUT /api/v1/contexts/{slug}/declaration (and of `vakt apply`): an object with
 * apiVersion, kind or context is a declaration file, any other object the short form.
 */
export const ZPutDeclarationInput = z.custom<TPutDeclarationInput>().transform((raw, ctx) => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    ctx.issues.push({ code: 'custom', message: 'expected an object', input: raw, path: [], params: { kind: NOT_AN_OBJECT } });
    return z.NEVER;
  }
  const isFile = 'apiVersion' in raw || 'kind' in raw || 'context' in raw;
  const parsed = isFile ? ZDeclarationFile.safeParse(raw) : ZDeclarationUpdate.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: undefined });
    return z.NEVER;
  }
  return parsed.data;
});

export type TPutDeclaration = z.output<typeof ZPutDeclarationInput>;

/** Untrusted input (a form, a file) -> a declaration to save, or the 422 of an invalid declaration. */
export function parsePutDeclarationInput(raw: unknown): TPutDeclaration {
  const parsed = ZPutDeclarationInput.safeParse(raw);
  if (!parsed.success) throw invalidDeclaration(parsed.error.issues);
  return parsed.data;
}

/** ZPutDeclarationInput's issues -> the 422 of an invalid declaration (unknown keys named one by one). */
export function invalidDeclaration(issues: readonly z.core.$ZodIssue[]): AppError {
  if (issues.some((i) => i.code === 'custom' && i.params?.kind === NOT_AN_OBJECT)) {
    return new AppError('VALIDATION', 'the declaration must be an object (a declaration file, or {spec, ...})', { fields: [{ path: '(root)', message: 'expected an object' }] });
  }
  return validation(issues);
}

/**
 * `If-Match` -> expected version. Accepts `"3"`, `3` and `W/"3"`; `*` (or absent) means no
 * constraint. Anything else is 400.
 */
export function parseIfMatch(h: string | null | undefined): number | undefined {
  if (h === null || h === undefined || h.trim() === '' || h.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,10})"?\s*$/.exec(h);
  if (!m) throw new AppError('BAD_REQUEST', `If-Match must be a declaration version such as "3" (got ${JSON.stringify(h)})`);
  return Number(m[1]);
}

function validation(issues: Parameters<typeof declarationFieldErrors>[0]): AppError {
  const fields = declarationFieldErrors(issues);
  return new AppError('VALIDATION', `invalid declaration: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, { fields });
}

/**
 * Save a recovery declaration (docs/api.md "Declarations"):
 * - input: a full declaration file object (apiVersion/kind/context/...) or `{spec, baseVersion?, reason?, name?, team?}`;
 * - the path slug must equal `context` when given (else 422);
 * - `baseVersion` and `If-Match` must agree when both are given (else 422: the request contradicts itself);
 *   an expected version other than the accepted one or the pending proposal -> 409 CONFLICT `{currentVersion, pendingVersion}`;
 * - lifecycle: an admin's save (or an owner's on an auto-accepted team or context) is `accepted` at once,
 *   any other is `proposed` and supersedes the pending proposal; a spec identical to the head (the
 *   pending proposal, else the accepted version) creates no version (created:false, no audit row);
 * - a new version never overwrites: one Declaration row per version, and the context's
 *   currentVersion moves by compare-and-set, so of two concurrent saves on one base only one wins;
 * - a missing context is created by an admin (with its team if missing); anyone else gets 404.
 * Lint never blocks the save: the answer carries the findings.
 */
export async function putDeclaration(opts: { actor: TActor; slug: string; input: TPutDeclarationInput; ifMatch?: string | null }): Promise<TPutDeclarationResult> {
  const { actor, slug } = opts;
  if (!SLUG_RE.test(slug)) throw notFound(`context ${slug}`);
  // checked here too: scripts and tests call this directly
  const input = parsePutDeclarationInput(opts.input);
  if ('context' in input && input.context !== slug) {
    throw validation([{ path: ['context'], message: `must equal the context in the path (${slug})` }]);
  }
  const headerVersion = parseIfMatch(opts.ifMatch);
  if (headerVersion !== undefined && input.baseVersion !== undefined && headerVersion !== input.baseVersion) {
    throw validation([{ path: ['baseVersion'], message: `baseVersion ${input.baseVersion} disagrees with If-Match "${headerVersion}"` }]);
  }
  const expected = input.baseVersion ?? headerVersion;
  const spec: TDeclarationSpec = input.spec;
  const reason = input.reason?.trim() || null;

  const save = () => db.$transaction(async (tx) => {
      let ctx = await tx.boundedContext.findUnique({ where: { slug }, include: { team: true } });
      let createdContext = false;
      if (!ctx) {
        if (actor.role !== 'admin') throw notFound(`context ${slug} (only an admin creates a new context)`);
        if (!input.team) throw validation([{ path: ['team'], message: 'required to create a new context' }]);
        const team = (await tx.team.findUnique({ where: { name: input.team } })) ?? (await insertTeam(tx, actor, input.team));
        const created = await tx.boundedContext.create({ data: { slug, name: input.name ?? slug, teamId: team.id }, include: { team: true } });
        await audit(tx, { actor, action: 'context.created', targetType: 'context', targetId: slug, after: { slug, name: created.name, team: team.name } });
        ctx = created;
        createdContext = true;
      }
      if (!canWriteContext(actor, ctx.team.name)) throw forbidden(`only members of team ${ctx.team.name} (or an admin) may change context ${slug}`);
      // a change starts from the accepted version or from the pending proposal; anything older is outdated
      if (expected !== undefined && expected !== ctx.currentVersion && expected !== ctx.pendingVersion) {
        const pending = ctx.pendingVersion === null ? '' : ` (pending proposal: version ${ctx.pendingVersion})`;
        throw conflict(`context ${slug} is at version ${ctx.currentVersion}${pending}, but this change starts from version ${expected}: reload, re-apply your change and save again`, { currentVersion: ctx.currentVersion, pendingVersion: ctx.pendingVersion });
      }

      // metadata: name and owner team
      const meta: { name?: string; teamId?: string } = {};
      if (!createdContext && input.name && input.name !== ctx.name) meta.name = input.name;
      if (!createdContext && input.team && input.team !== ctx.team.name) {
        if (!canWriteContext(actor, input.team)) throw forbidden(`you may not hand context ${slug} to team ${input.team}`);
        let team = await tx.team.findUnique({ where: { name: input.team } });
        if (!team) {
          if (actor.role !== 'admin') throw validation([{ path: ['team'], message: `team ${input.team} does not exist` }]);
          team = await insertTeam(tx, actor, input.team);
        }
        meta.teamId = team.id;
      }
      if (meta.name || meta.teamId) {
        await tx.boundedContext.update({ where: { id: ctx.id }, data: meta });
        await audit(tx, { actor, action: 'context.updated', targetType: 'context', targetId: slug, before: { name: ctx.name, team: ctx.team.name }, after: { name: meta.name ?? ctx.name, team: input.team ?? ctx.team.name } });
      }

      // the head: what a new version is compared with (the pending proposal, else the accepted version)
      const headVersion = ctx.pendingVersion ?? ctx.currentVersion;
      const current = headVersion > 0 ? await tx.declaration.findUnique({ where: { contextId_version: { contextId: ctx.id, version: headVersion } } }) : null;
      const acceptsAtOnce = actor.role === 'admin' || ctx.autoAccept || ctx.team.autoAccept;
      const outcome = saveOutcome({ acceptsAtOnce, pendingVersion: ctx.pendingVersion, identicalToHead: !!current && canonicalJson(current.spec) === canonicalJson(spec) });
      if (!outcome.create) return { version: headVersion, created: false, status: (current?.status ?? 'accepted') as TDeclarationStatus };

      const next = ctx.latestVersion + 1;
      // compare-and-set: only one of two concurrent saves on the same version moves the pointers, and a
      // save never lands on an acceptance or rejection that happened meanwhile
      const cas = await tx.boundedContext.updateMany({
        where: { id: ctx.id, latestVersion: ctx.latestVersion, currentVersion: ctx.currentVersion, pendingVersion: ctx.pendingVersion },
        data: outcome.status === 'accepted' ? { latestVersion: next, currentVersion: next, pendingVersion: null } : { latestVersion: next, pendingVersion: next },
      });
      if (cas.count !== 1) {
        const now = await tx.boundedContext.findUnique({ where: { id: ctx.id }, select: { currentVersion: true, pendingVersion: true } });
        throw conflict(`context ${slug} was changed by someone else while you saved (now version ${now?.currentVersion}): reload and save again`, { currentVersion: now?.currentVersion, pendingVersion: now?.pendingVersion });
      }
      if (outcome.supersedes !== null) {
        await tx.declaration.update({ where: { contextId_version: { contextId: ctx.id, version: outcome.supersedes } }, data: { status: 'superseded', decidedByLabel: actor.label, decidedAt: new Date() } });
      }
      await tx.declaration.create({
        data: { contextId: ctx.id, version: next, spec: spec as object, authorId: actor.id, authorLabel: actor.label, reason, status: outcome.status },
      });
      await audit(tx, {
        actor,
        action: outcome.status === 'accepted' ? 'declaration.created' : 'declaration.proposed',
        targetType: 'context',
        targetId: slug,
        before: current ? { version: current.version, spec: current.spec } : null,
        after: { version: next, status: outcome.status, supersedes: outcome.supersedes ?? undefined, spec, reason, changes: current ? diffSpecs(current.spec, spec).map((c) => c.path) : undefined },
      });
      return { version: next, created: true, status: outcome.status as TDeclarationStatus };
    });
  const lostRace = (e: unknown) => {
    const code = (e as { code?: string })?.code;
    return code === 'P2002' || code === 'P2034' || /40001|40P01|unique constraint/i.test(String((e as Error)?.message));
  };
  // A unique violation here means a concurrent request created the same new context or team first
  // (version races are caught by the compare-and-set above): one retry sees their rows and goes on
  // with the same checks. Losing twice is reported as a conflict.
  const result = await save()
    .catch((e: unknown) => (lostRace(e) ? save() : Promise.reject(e)))
    .catch((e: unknown) => {
      if (lostRace(e)) throw conflict(`context ${slug} was changed concurrently: reload and save again`);
      throw e;
    });

  const findings = sortFindings([...lintDeclaration(spec, await getClassCatalog()), ...(await loadLiveFindings(slug))]);
  return { ...result, findings };
}

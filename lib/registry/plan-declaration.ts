import type { z } from 'zod';
import { lintDeclaration } from '../findings/lint-declaration';
import { evaluateLiveCompliance } from '../findings/live-compliance';
import { gatherLiveInputs } from '../findings/load-live-findings';
import { canonicalJson } from '@/lib/audit/canonical';
import { canWriteContext } from '@/lib/auth/roles';
import type { TActor } from '@/lib/auth/actor';
import { db } from '@/lib/base/db';
import { conflict, forbidden, notFound } from '@/lib/base/errors';
import { sortFindings, type TFinding } from '@/lib/findings/types';
import { SLUG_RE, ZDeclarationSpec } from './declaration-schema';
import { diffSpecs, type TSpecChange } from './diff-declarations';
import { getClassCatalog } from './classes';
import { invalidDeclaration, parseIfMatch, parsePutDeclarationInput, type TPutDeclarationInput } from './put-declaration';

export type TPlanDeclarationResult = {
  dryRun: true;
  context: string;
  /** false: the context does not exist yet (an admin's apply would create it) */
  exists: boolean;
  /** the version the diff is against (0 = none yet) */
  currentVersion: number;
  /** the save would create a new version (the spec differs from the current one) */
  changed: boolean;
  /** field-level changes against the current version (every field when there is none) */
  diff: TSpecChange[];
  /** name or owner team the save would change */
  metadata: Array<{ field: 'name' | 'team'; before: string | null; after: string }>;
  /** lint of the planned spec, and live compliance as it would be with it (the latest observations) */
  findings: TFinding[];
};

/** The 422 of a declaration that contradicts itself or its path, as putDeclaration answers it. */
const fieldError = (field: string, message: string) => invalidDeclaration([{ code: 'custom', path: [field], message, input: undefined } as z.core.$ZodIssue]);

/**
 * PUT /api/v1/contexts/{slug}/declaration?dryRun=true (`vaktctl plan`): what putDeclaration would do,
 * with the same checks and answers (404 / 403 / 409 / 422), and nothing written — the diff against
 * the current version and the findings the planned spec would have.
 */
export async function planDeclaration(opts: { actor: TActor; slug: string; input: TPutDeclarationInput; ifMatch?: string | null }): Promise<TPlanDeclarationResult> {
  const { actor, slug } = opts;
  if (!SLUG_RE.test(slug)) throw notFound(`context ${slug}`);
  const input = parsePutDeclarationInput(opts.input);
  if ('context' in input && input.context !== slug) throw fieldError('context', `must equal the context in the path (${slug})`);
  const headerVersion = parseIfMatch(opts.ifMatch);
  if (headerVersion !== undefined && input.baseVersion !== undefined && headerVersion !== input.baseVersion) {
    throw fieldError('baseVersion', `baseVersion ${input.baseVersion} disagrees with If-Match "${headerVersion}"`);
  }
  const expected = input.baseVersion ?? headerVersion;
  const spec = input.spec;

  const ctx = await db.boundedContext.findUnique({ where: { slug }, include: { team: true } });
  if (!ctx) {
    if (actor.role !== 'admin') throw notFound(`context ${slug} (only an admin creates a new context)`);
    if (!input.team) throw fieldError('team', 'required to create a new context');
  } else {
    if (!canWriteContext(actor, ctx.team.name)) throw forbidden(`only members of team ${ctx.team.name} (or an admin) may change context ${slug}`);
    if (input.team && input.team !== ctx.team.name && !canWriteContext(actor, input.team)) throw forbidden(`you may not hand context ${slug} to team ${input.team}`);
    if (expected !== undefined && expected !== ctx.currentVersion) {
      throw conflict(`context ${slug} is at version ${ctx.currentVersion}, but this change starts from version ${expected}: reload, re-apply your change and save again`, { currentVersion: ctx.currentVersion });
    }
  }
  const currentVersion = ctx?.currentVersion ?? 0;
  const current = ctx && currentVersion > 0 ? await db.declaration.findUnique({ where: { contextId_version: { contextId: ctx.id, version: currentVersion } }, select: { spec: true } }) : null;
  const changed = !current || canonicalJson(current.spec) !== canonicalJson(spec);
  const metadata: TPlanDeclarationResult['metadata'] = [];
  if (input.name && input.name !== (ctx?.name ?? null)) metadata.push({ field: 'name', before: ctx?.name ?? null, after: input.name });
  if (input.team && input.team !== (ctx?.team.name ?? null)) metadata.push({ field: 'team', before: ctx?.team.name ?? null, after: input.team });

  const classes = await getClassCatalog();
  // live compliance with the planned spec in place of the current one (the cluster inputs stay as observed)
  const live = ctx ? await gatherLiveInputs(slug) : null;
  const liveFindings = live
    ? evaluateLiveCompliance({ ...live, spec, bounds: { rpoBoundSeconds: classes.rpo.get(spec.rpoClass) ?? null, rtoBoundSeconds: classes.rto.get(spec.rtoClass) ?? null } })
    : [];
  return {
    dryRun: true,
    context: slug,
    exists: !!ctx,
    currentVersion,
    changed,
    diff: diffSpecs(current ? ZDeclarationSpec.safeParse(current.spec).data ?? current.spec : {}, spec),
    metadata,
    findings: sortFindings([...lintDeclaration(spec, classes), ...liveFindings]),
  };
}

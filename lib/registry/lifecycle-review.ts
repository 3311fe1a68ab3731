// Admin decisions of the declaration lifecycle (docs/api.md "Declaration lifecycle"): accept or
// reject the pending proposal, and mark a team or a context auto-accepted. Each is audited in the
// same transaction; moving currentVersion / pendingVersion fires the read model's recompute.
import { reviewOutcome } from './lifecycle-transitions';
import { AppError, conflict, notFound } from '@/lib/base/errors';
import { requireRole } from '@/lib/auth/session';
import type { TActor } from '@/lib/auth/actor';
import { audit } from '@/lib/audit/record';
import { db } from '@/lib/base/db';
import { z } from 'zod';

/** Body of POST …/declarations/{version}/accept (reason optional) and …/reject (reason required; checked by the use case so the 422 names it). */
export const ZReviewBody = z.strictObject({ reason: z.string().max(2000, 'at most 2000 characters').optional() });

export type TReviewResult = { slug: string; version: number; status: 'accepted' | 'rejected'; currentVersion: number };

/**
 * Accept or reject version `version` of context `slug`. 409 when it is not the pending proposal
 * (already decided, superseded, or never proposed); 422 when a rejection has no reason.
 */
export async function reviewDeclaration(opts: { actor: TActor; slug: string; version: number; action: 'accept' | 'reject'; reason?: string | null }): Promise<TReviewResult> {
  const { actor, slug, version, action } = opts;
  requireRole(actor, 'admin');
  const reason = opts.reason?.trim() || null;
  return db.$transaction(async (tx) => {
    const ctx = await tx.boundedContext.findUnique({ where: { slug }, select: { id: true, currentVersion: true, pendingVersion: true } });
    if (!ctx) throw notFound(`context ${slug}`);
    const decl = await tx.declaration.findUnique({ where: { contextId_version: { contextId: ctx.id, version } }, select: { status: true, authorLabel: true } });
    if (!decl) throw notFound(`version ${version} of context ${slug}`);
    const outcome = reviewOutcome({ version, status: decl.status, pendingVersion: ctx.pendingVersion, action, reason });
    if (!outcome.ok) {
      if (outcome.code === 'VALIDATION') throw new AppError('VALIDATION', outcome.message, { fields: [{ path: 'reason', message: 'required to reject a proposal' }] });
      throw conflict(`${outcome.message}; the pending proposal of ${slug} is ${ctx.pendingVersion === null ? 'none' : `version ${ctx.pendingVersion}`}`, { currentVersion: ctx.currentVersion, pendingVersion: ctx.pendingVersion });
    }
    const currentVersion = outcome.status === 'accepted' ? version : ctx.currentVersion;
    // compare-and-set on the pending pointer: of two concurrent decisions only one lands
    const cas = await tx.boundedContext.updateMany({ where: { id: ctx.id, pendingVersion: version }, data: { pendingVersion: null, currentVersion } });
    if (cas.count !== 1) throw conflict(`version ${version} of ${slug} was decided or superseded concurrently`);
    await tx.declaration.update({
      where: { contextId_version: { contextId: ctx.id, version } },
      data: { status: outcome.status, decidedByLabel: actor.label, decidedAt: new Date(), decisionReason: reason },
    });
    await audit(tx, {
      actor,
      action: outcome.status === 'accepted' ? 'declaration.accepted' : 'declaration.rejected',
      targetType: 'context',
      targetId: slug,
      before: { version, status: 'proposed', proposedBy: decl.authorLabel, acceptedVersion: ctx.currentVersion },
      after: { version, status: outcome.status, reason, acceptedVersion: currentVersion },
    });
    return { slug, version, status: outcome.status, currentVersion };
  });
}

/** Admin: owners' saves on this team (or this context) are accepted at once (`on`), or proposed again. Audited. */
export async function setAutoAccept(opts: { actor: TActor; target: { team: string } | { context: string }; on: boolean }): Promise<{ autoAccept: boolean }> {
  requireRole(opts.actor, 'admin');
  const { actor, target, on } = opts;
  return db.$transaction(async (tx) => {
    const [targetType, name] = 'team' in target ? (['team', target.team] as const) : (['context', target.context] as const);
    const before =
      targetType === 'team'
        ? await tx.team.findUnique({ where: { name }, select: { autoAccept: true } })
        : await tx.boundedContext.findUnique({ where: { slug: name }, select: { autoAccept: true } });
    if (!before) throw notFound(`${targetType} ${name}`);
    if (before.autoAccept === on) return { autoAccept: on };
    if (targetType === 'team') await tx.team.update({ where: { name }, data: { autoAccept: on } });
    else await tx.boundedContext.update({ where: { slug: name }, data: { autoAccept: on } });
    await audit(tx, { actor, action: `${targetType}.auto-accept`, targetType, targetId: name, before: { autoAccept: before.autoAccept }, after: { autoAccept: on } });
    return { autoAccept: on };
  });
}

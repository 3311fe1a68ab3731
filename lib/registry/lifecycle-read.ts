// What a reviewer (and the proposer) sees on the context page: the accepted version, the pending
// proposal with its diff against the accepted one and its lint findings, the binding spec, and the
// latest decision (docs/api.md "Declaration lifecycle").
import { db } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';
import type { TFinding } from '@/lib/findings/types';
import { lintStoredSpec } from '../findings/get-context-findings';
import { getClassCatalog } from './classes';
import type { TDeclarationSpec } from './declaration-schema';
import { diffSpecs, type TSpecChange } from './diff-declarations';
import { boundsOf, loadBindings, type TContextBinding } from './lifecycle-load';
import type { TDeclarationStatus } from './lifecycle-transitions';

type TVersionRow = { version: number; spec: TDeclarationSpec; authorLabel: string; reason: string | null; createdAt: Date };

export type TDeclarationReview = {
  slug: string;
  acceptedVersion: number;
  autoAccept: { context: boolean; team: boolean };
  pending: (TVersionRow & { diff: TSpecChange[]; findings: TFinding[] }) | null;
  /** the spec verdicts, findings and readiness use now (the stricter of accepted and pending, field by field) */
  binding: TContextBinding | null;
  /** the newest decided proposal (rejected or superseded; accepted ones are the accepted version) */
  lastDecision: { version: number; status: TDeclarationStatus; authorLabel: string; decidedByLabel: string | null; decidedAt: Date | null; reason: string | null } | null;
};

export async function getDeclarationReview(slug: string): Promise<TDeclarationReview> {
  const ctx = await db.boundedContext.findUnique({ where: { slug }, select: { id: true, currentVersion: true, pendingVersion: true, autoAccept: true, team: { select: { autoAccept: true } } } });
  if (!ctx) throw notFound(`context ${slug}`);
  const versions = [ctx.currentVersion, ctx.pendingVersion].filter((v): v is number => !!v);
  const rows = versions.length ? await db.declaration.findMany({ where: { contextId: ctx.id, version: { in: versions } } }) : [];
  const decided = await db.declaration.findFirst({ where: { contextId: ctx.id, status: { in: ['rejected', 'superseded'] }, decidedAt: { not: null } }, orderBy: { decidedAt: 'desc' } });
  const accepted = rows.find((r) => r.version === ctx.currentVersion) ?? null;
  const pending = rows.find((r) => r.version === ctx.pendingVersion) ?? null;
  const catalog = await getClassCatalog();
  const classes = await db.recoveryClass.findMany({ select: { kind: true, name: true, boundSeconds: true } });
  const binding = (await loadBindings(db, [ctx.id], boundsOf(classes))).get(ctx.id) ?? null;
  return {
    slug,
    acceptedVersion: ctx.currentVersion,
    autoAccept: { context: ctx.autoAccept, team: ctx.team.autoAccept },
    pending: pending
      ? {
          version: pending.version,
          spec: pending.spec as TDeclarationSpec,
          authorLabel: pending.authorLabel,
          reason: pending.reason,
          createdAt: pending.createdAt,
          diff: diffSpecs(accepted?.spec ?? {}, pending.spec),
          findings: lintStoredSpec(pending.spec, catalog),
        }
      : null,
    binding,
    lastDecision:
      decided && decided.version > ctx.currentVersion
        ? { version: decided.version, status: decided.status as TDeclarationStatus, authorLabel: decided.authorLabel, decidedByLabel: decided.decidedByLabel, decidedAt: decided.decidedAt, reason: decided.decisionReason }
        : null,
  };
}

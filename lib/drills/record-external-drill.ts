import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, notFound } from '@/lib/base/errors';
import { loadDrillInputs } from './load-drill-inputs';
import type { TExternalDrillResult } from './schemas';

/**
 * A drill run outside Vakt (an operator-role token's runner) reports its result: stored as an
 * external drill (SUCCEEDED / FAILED), counted like Vakt's own, audited.
 */
export async function recordExternalDrill(opts: { actor: TActor; input: TExternalDrillResult; now?: Date }): Promise<{ id: string; status: 'SUCCEEDED' | 'FAILED' }> {
  requireRole(opts.actor, 'operator');
  const r = opts.input;
  const started = new Date(r.startedAt);
  const finished = new Date(r.finishedAt);
  const now = opts.now ?? new Date();
  const fields = [
    ...(finished < started ? [{ path: 'finishedAt', message: 'is before startedAt' }] : []),
    ...(finished.getTime() > now.getTime() + 5 * 60_000 ? [{ path: 'finishedAt', message: 'is in the future' }] : []),
  ];
  if (fields.length) throw new AppError('VALIDATION', `invalid drill result: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, { fields });
  const inputs = await loadDrillInputs({ name: r.cluster }).catch((e) => {
    if ((e as AppError).code === 'NOT_FOUND') throw notFound(`cluster ${r.cluster}`);
    throw e;
  });
  const known = inputs.catalog.backups.find((b) => b.label === r.backupLabel);
  const status = r.succeeded && r.checks.every((c) => c.ok) ? ('SUCCEEDED' as const) : ('FAILED' as const);
  return db.$transaction(async (tx) => {
    const d = await tx.restoreDrill.create({
      data: {
        clusterId: inputs.cluster.id,
        status,
        trigger: 'external',
        external: true,
        runner: r.runner,
        requestedById: opts.actor.type === 'user' ? opts.actor.id : null,
        requestedByLabel: opts.actor.label,
        backupLabel: r.backupLabel,
        backupType: known?.type ?? null,
        backupSizeBytes: known?.sizeBytes ?? null,
        backupStoppedAt: known?.stoppedAt ? new Date(known.stoppedAt) : null,
        backupChain: [r.backupLabel],
        targetTime: r.targetTime ? new Date(r.targetTime) : null,
        startedAt: started,
        finishedAt: finished,
        restoreSeconds: (finished.getTime() - started.getTime()) / 1000,
        checks: r.checks,
        error: status === 'FAILED' ? `reported failed by ${r.runner}${r.checks.some((c) => !c.ok) ? `: ${r.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}` : ''}` : null,
      },
    });
    await audit(tx, { actor: opts.actor, action: 'drill.external-result', targetType: 'drill', targetId: d.id, after: { cluster: r.cluster, backupLabel: r.backupLabel, status, runner: r.runner, checks: r.checks.length } });
    return { id: d.id, status };
  });
}

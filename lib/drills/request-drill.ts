import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, conflict } from '@/lib/base/errors';
import { judgeDrillRequest, pitrWindow } from './drill-rules';
import { loadDrillInputs } from './load-drill-inputs';

export type TRequestDrillResult = { id: string; status: 'QUEUED' };

const ACTIVE = ['QUEUED', 'RUNNING'] as const;
const isActiveViolation = (e: unknown) => (e as { code?: string })?.code === 'P2002' || /RestoreDrill_one_active_per_cluster/.test(String((e as Error)?.message));

/**
 * An operator (or the schedule) asks for a restore drill of `cluster`: judged against the stored
 * backup catalog (422 naming the label or time, with the catalog's backups), one queued or running
 * drill per cluster (409; the partial unique index decides a race). The worker runs it.
 */
export async function requestDrill(opts: { actor: TActor; cluster: string; backup?: string; targetTime?: string; trigger?: 'manual' | 'schedule'; now?: Date }): Promise<TRequestDrillResult> {
  requireRole(opts.actor, 'operator');
  const inputs = await loadDrillInputs({ name: opts.cluster });
  const now = opts.now ?? new Date();
  const errors = judgeDrillRequest(inputs.catalog, opts, now);
  if (errors.length) {
    throw new AppError('VALIDATION', `invalid drill request: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
      fields: errors,
      backups: inputs.catalog.backups,
      window: pitrWindow(inputs.catalog, now),
    });
  }
  const refuse = (id: string | undefined) => conflict(`cluster ${opts.cluster} already has a restore drill queued or running`, { drillId: id });
  try {
    return await db.$transaction(async (tx) => {
      const open = await tx.restoreDrill.findFirst({ where: { clusterId: inputs.cluster.id, external: false, status: { in: [...ACTIVE] } }, select: { id: true } });
      if (open) throw refuse(open.id);
      const d = await tx.restoreDrill.create({
        data: {
          clusterId: inputs.cluster.id,
          trigger: opts.trigger ?? 'manual',
          requestedById: opts.actor.type === 'user' ? opts.actor.id : null,
          requestedByLabel: opts.actor.label,
          backupLabel: opts.backup ?? null,
          targetTime: opts.targetTime ? new Date(opts.targetTime) : null,
        },
      });
      await audit(tx, {
        actor: opts.actor,
        action: 'drill.requested',
        targetType: 'drill',
        targetId: d.id,
        after: { cluster: opts.cluster, backup: opts.backup ?? null, targetTime: opts.targetTime ?? null, trigger: d.trigger },
      });
      return { id: d.id, status: 'QUEUED' as const };
    });
  } catch (e) {
    if (isActiveViolation(e)) {
      const open = await db.restoreDrill.findFirst({ where: { clusterId: inputs.cluster.id, external: false, status: { in: [...ACTIVE] } }, select: { id: true } });
      throw refuse(open?.id);
    }
    throw e;
  }
}

import { db } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';
import type { Prisma } from '@/lib/base/db';

// Drills as the API, the pages and the CLI show them (docs/api.md "Restore drills").

const include = { cluster: { select: { name: true } }, steps: { orderBy: { id: 'asc' as const } } };
type TRow = Prisma.RestoreDrillGetPayload<{ include: typeof include }>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function drillView(d: TRow) {
  return {
    id: d.id,
    cluster: d.cluster.name,
    status: d.status,
    trigger: d.trigger,
    external: d.external,
    runner: d.runner,
    requestedBy: d.requestedByLabel,
    backup: { label: d.backupLabel, type: d.backupType, sizeBytes: d.backupSizeBytes, stoppedAt: iso(d.backupStoppedAt), chain: d.backupChain },
    targetTime: iso(d.targetTime),
    createdAt: d.createdAt.toISOString(),
    startedAt: iso(d.startedAt),
    finishedAt: iso(d.finishedAt),
    restoreSeconds: d.restoreSeconds,
    durationSeconds: d.startedAt && d.finishedAt ? Math.round((d.finishedAt.getTime() - d.startedAt.getTime()) / 100) / 10 : null,
    checks: d.checks as { name: string; ok: boolean; detail: string }[],
    error: d.error,
    steps: d.steps.map((s) => ({ name: s.name, status: s.status, startedAt: s.startedAt.toISOString(), durationMs: s.durationMs, output: s.output })),
  };
}
export type TDrillView = ReturnType<typeof drillView>;

/** Newest first (at most `limit`, default 50); `cluster` narrows to one cluster (404 when it does not exist). */
export async function listDrills(o: { cluster?: string; limit?: number } = {}): Promise<TDrillView[]> {
  let clusterId: string | undefined;
  if (o.cluster) {
    const c = await db.cluster.findUnique({ where: { name: o.cluster }, select: { id: true } });
    if (!c) throw notFound(`cluster ${o.cluster}`);
    clusterId = c.id;
  }
  const rows = await db.restoreDrill.findMany({ where: clusterId ? { clusterId } : {}, include, orderBy: { createdAt: 'desc' }, take: o.limit ?? 50 });
  return rows.map(drillView);
}

export async function getDrill(id: string): Promise<TDrillView> {
  const d = await db.restoreDrill.findUnique({ where: { id }, include }).catch(() => null);
  if (!d) throw notFound(`drill ${id}`);
  return drillView(d);
}

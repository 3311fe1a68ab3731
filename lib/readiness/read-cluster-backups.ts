// GET /api/v1/clusters/{name}/backups and the backups page: the cluster's pgBackRest catalog as the
// agents last reported it (stored observations; never a call to an agent), judged as one repository
// (lib/findings/backup-state.ts): every backup with its chain, the PITR window, the repository status
// and whether a backup is running.
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import { notFound } from '@/lib/base/errors';
import type { TNodeRole, TNodeStatus } from '@/lib/pg';
import type { TAgentStatus } from '@/lib/agent/protocol';
import { backupState, chainOf, type TBackupState } from '@/lib/findings/backup-state';
import type { TLiveMember } from '@/lib/findings/live-types';

export type TClusterBackups = {
  cluster: string;
  repositorySite: string | null;
  observedAt: string | null;
  members: Array<{ name: string; site: string; observedAt: string | null; stale: boolean; reportsCatalog: boolean; error: string | null }>;
  stanza: string | null;
  repository: TBackupState['repository'];
  backupRunning: boolean | null;
  /** newest first, each with its chain (full first) */
  backups: Array<TBackupState['backups'][number] & { chain: string[] }>;
  restoreUses: string | null;
  archives: TBackupState['archives'];
  pitr: TBackupState['pitr'];
  walToReplayBytes: number | null;
};

export async function readClusterBackups(name: string): Promise<TClusterBackups> {
  const c = await db.cluster.findUnique({ where: { name }, include: { members: { include: { site: true, observation: true }, orderBy: { name: 'asc' } } } });
  if (!c) throw notFound(`cluster ${name}`);
  const [{ now }] = await db.$queryRawUnsafe<{ now: Date }[]>(`SELECT now() AS now`);
  const staleMs = env().VAKT_STALE_AFTER_MS;
  const members: TLiveMember[] = c.members.map((m) => {
    const o = m.observation;
    const p = (o?.payload ?? null) as Partial<TAgentStatus> | null;
    const usable = !!o && o.status !== 'unknown';
    return {
      name: m.name,
      site: m.site.name,
      status: (o?.status as TNodeStatus) ?? 'unknown',
      role: (o?.role as TNodeRole) ?? 'unknown',
      observedAt: o?.observedAt ?? null,
      archiver: usable ? (p?.postgres?.archiver ?? null) : null,
      backups: usable ? (p?.backups ?? null) : null,
    };
  });
  const state = backupState({ name: c.name, kind: 'vakt-agent', members, database: null, schema: null, otherContexts: [], vaktDatabaseHere: false });
  const observed = c.members.map((m) => m.observation?.observedAt?.getTime() ?? 0).filter((t) => t > 0);
  return {
    cluster: c.name,
    repositorySite: c.backupRepositorySite,
    observedAt: observed.length ? new Date(Math.max(...observed)).toISOString() : null,
    members: c.members.map((m, i) => ({
      name: m.name,
      site: m.site.name,
      observedAt: m.observation?.observedAt?.toISOString() ?? null,
      stale: !m.observation || now.getTime() - m.observation.observedAt.getTime() > staleMs,
      reportsCatalog: !!members[i].backups,
      error: members[i].backups?.error ?? null,
    })),
    stanza: state.stanza,
    repository: state.repository,
    backupRunning: state.backupRunning,
    backups: [...state.backups].reverse().map((b) => ({ ...b, chain: chainOf(state.backups, b.label) })),
    restoreUses: state.newest?.label ?? null,
    archives: state.archives,
    pitr: state.pitr,
    walToReplayBytes: state.walToReplayBytes,
  };
}

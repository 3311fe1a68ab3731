import { db, type TTransaction } from '@/lib/base/db';
import { notFound } from '@/lib/base/errors';
import type { TDrillCatalog, THostMember } from './drill-rules';

// What a drill is judged and placed by: the cluster's members' latest observations (their pgBackRest
// catalogs, the primary's archiver, roles, system identifier) and the contexts' declared databases.

type TPayload = {
  backups?: { error?: string; backups?: { label: string; type: string; stoppedAt: string | null; sizeBytes: number | null }[] } | null;
  postgres?: { role?: string; systemIdentifier?: string | null; archiver?: { lastArchivedAt?: string | null } | null };
};

export type TDrillInputs = {
  cluster: { id: string; name: string; kind: string; epoch: number; drillHostUrl: string | null; drillHostTokenEnc: string | null };
  catalog: TDrillCatalog;
  members: (THostMember & { agentTokenEnc: string | null })[];
  systemIdentifier: string | null;
  databases: string[];
};

export async function loadDrillInputs(by: { name?: string; id?: string }, client: TTransaction | typeof db = db): Promise<TDrillInputs> {
  const c = await client.cluster.findUnique({
    where: by.id ? { id: by.id } : { name: by.name! },
    include: { members: { include: { observation: true }, orderBy: { name: 'asc' } }, contexts: { select: { database: true } } },
  });
  if (!c) throw notFound(`cluster ${by.name ?? by.id}`);
  const byLabel = new Map<string, TDrillCatalog['backups'][number]>();
  let observed = false;
  let archiveEndAt: string | null = null;
  const ids = new Map<string, number>();
  const members = c.members.map((m) => {
    const o = m.observation;
    const p = (o?.payload ?? null) as TPayload | null;
    const cat = p?.backups && !p.backups.error ? p.backups : null;
    if (cat) {
      observed = true;
      for (const b of cat.backups ?? []) byLabel.set(b.label, { label: b.label, type: b.type, stoppedAt: b.stoppedAt, sizeBytes: b.sizeBytes });
    }
    const role = o?.status === 'unknown' ? 'unknown' : (o?.role ?? 'unknown');
    const last = p?.postgres?.archiver?.lastArchivedAt ?? null;
    if (role === 'primary' && last && (!archiveEndAt || last > archiveEndAt)) archiveEndAt = last;
    const sysid = o?.systemIdentifier ?? p?.postgres?.systemIdentifier ?? null;
    if (sysid) ids.set(sysid, (ids.get(sysid) ?? 0) + 1);
    return { name: m.name, agentUrl: m.agentUrl, agentTokenEnc: m.agentTokenEnc, role, status: o?.status ?? 'unknown', hasCatalog: cat !== null };
  });
  const systemIdentifier = [...ids.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return {
    cluster: { id: c.id, name: c.name, kind: c.kind, epoch: c.epoch, drillHostUrl: c.drillHostUrl, drillHostTokenEnc: c.drillHostTokenEnc },
    catalog: { observed, archiveEndAt, backups: [...byLabel.values()].sort((a, b) => a.label.localeCompare(b.label)) },
    members,
    systemIdentifier,
    databases: [...new Set(c.contexts.map((x) => x.database).filter((d): d is string => !!d))].sort(),
  };
}

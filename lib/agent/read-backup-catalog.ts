import type { TBackupCatalog } from './protocol.ts';
import { cached } from './cache.ts';
import { runCommand } from './run-command.ts';
import type { TAgentContext } from './types.ts';

// pgBackRest `info --output=json` normalised to ZBackupCatalog. Not configured -> null;
// command failing -> a catalog carrying `error` (so the poller can tell "no backups" from "cannot tell").

const CATALOG_TTL_MS = 30_000;

type TRawInfo = {
  name?: string;
  status?: { code?: number; message?: string; lock?: { backup?: { held?: boolean } } };
  archive?: { id?: string; database?: { id?: number }; min?: string | null; max?: string | null }[];
  repo?: { key?: number; status?: { code?: number; message?: string } }[];
  backup?: {
    prior?: string | null;
    reference?: string[] | null;
    database?: { id?: number };
    'database-ref'?: { name?: string; oid?: number }[] | null;
    label?: string;
    type?: string;
    error?: boolean;
    timestamp?: { start?: number; stop?: number };
    archive?: { start?: string | null; stop?: string | null };
    lsn?: { start?: string | null; stop?: string | null };
    info?: { size?: number; repository?: { size?: number; delta?: number } };
  }[];
};

const isoFromUnix = (s: number | undefined) => (typeof s === 'number' ? new Date(s * 1000).toISOString() : new Date(0).toISOString());

/** Pure: pgBackRest's JSON (an array of stanzas) -> our catalog for `stanza`. */
export function normalisePgBackRestInfo(stanza: string, raw: unknown, configPath: string | null = null): TBackupCatalog {
  const list = Array.isArray(raw) ? (raw as TRawInfo[]) : [];
  const s = list.find((x) => x?.name === stanza);
  if (!s) {
    return { tool: 'pgbackrest', stanza, status: { code: -1, message: 'stanza not in pgbackrest info output' }, walArchiveMin: null, walArchiveMax: null, backups: [], error: 'stanza not found', configPath };
  }
  const archives = s.archive ?? [];
  const mins = archives.map((a) => a.min).filter((x): x is string => !!x).sort();
  const maxs = archives.map((a) => a.max).filter((x): x is string => !!x).sort();
  return {
    tool: 'pgbackrest',
    stanza,
    status: { code: Number(s.status?.code ?? -1), message: String(s.status?.message ?? '') },
    walArchiveMin: mins[0] ?? null,
    walArchiveMax: maxs[maxs.length - 1] ?? null,
    archives: archives.map((a) => ({ id: String(a.id ?? ''), dbId: typeof a.database?.id === 'number' ? a.database.id : null, min: a.min ?? null, max: a.max ?? null })),
    backupRunning: typeof s.status?.lock?.backup?.held === 'boolean' ? s.status.lock.backup.held : null,
    repos: (s.repo ?? []).map((r) => ({ key: Number(r.key ?? 0), status: { code: Number(r.status?.code ?? -1), message: String(r.status?.message ?? '') } })),
    configPath,
    backups: (s.backup ?? []).map((b) => ({
      label: String(b.label ?? ''),
      type: b.type === 'diff' || b.type === 'incr' ? b.type : 'full',
      startedAt: isoFromUnix(b.timestamp?.start),
      stoppedAt: isoFromUnix(b.timestamp?.stop),
      sizeBytes: b.info?.size ?? null,
      repoSizeBytes: b.info?.repository?.size ?? b.info?.repository?.delta ?? null,
      walStart: b.archive?.start ?? null,
      walStop: b.archive?.stop ?? null,
      lsnStart: b.lsn?.start ?? null,
      lsnStop: b.lsn?.stop ?? null,
      error: b.error ?? false,
      prior: b.prior ?? null,
      reference: Array.isArray(b.reference) ? b.reference.map(String) : null,
      databases: Array.isArray(b['database-ref']) ? b['database-ref'].map((d) => ({ name: String(d.name ?? ''), oid: Number(d.oid ?? 0) })) : null,
      dbId: typeof b.database?.id === 'number' ? b.database.id : null,
    })),
  };
}

export async function readBackupCatalog(ctx: TAgentContext): Promise<TBackupCatalog | null> {
  const cfg = ctx.config.pgbackrest;
  if (!cfg) return null;
  return cached(ctx, 'pgbackrest-info', CATALOG_TTL_MS, async () => {
    const args = [...(cfg.config ? [`--config=${cfg.config}`] : []), `--stanza=${cfg.stanza}`, '--output=json', 'info'];
    const r = await runCommand({ file: cfg.bin, args, runAs: ctx.config.runAs, timeoutMs: 20_000 });
    const failed = (error: string): TBackupCatalog => ({
      tool: 'pgbackrest', stanza: cfg.stanza, status: { code: -1, message: 'pgbackrest info failed' },
      walArchiveMin: null, walArchiveMax: null, backups: [], error, configPath: cfg.config ?? null,
    });
    if (r.timedOut) return failed('pgbackrest info timed out');
    if (r.code !== 0) return failed(`pgbackrest info exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
    try {
      return normalisePgBackRestInfo(cfg.stanza, JSON.parse(r.stdout), cfg.config ?? null);
    } catch {
      return failed('pgbackrest info printed invalid JSON');
    }
  });
}

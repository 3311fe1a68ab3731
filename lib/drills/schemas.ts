import { z } from 'zod';
import { BACKUP_LABEL_RE, ZDrillCheck } from '@/lib/agent/protocol';

// Request bodies of the drill routes (docs/api.md "Restore drills").
const ZLabel = z.string().regex(BACKUP_LABEL_RE, 'must be a pgBackRest backup label, e.g. 20261201-101500F');
const ZTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with an offset, e.g. 2026-12-01T10:15:00Z' });

export const ZRequestDrillBody = z.object({ backup: ZLabel.optional(), targetTime: ZTime.optional() }).strict();

export const ZDrillHostBody = z.object({ agentUrl: z.string().min(1).max(500), agentToken: z.string().min(16, 'must be at least 16 characters').max(500) }).strict();

export const ZExternalDrillResult = z
  .object({
    cluster: z.string().min(1).max(200),
    backupLabel: ZLabel,
    targetTime: ZTime.optional(),
    startedAt: ZTime,
    finishedAt: ZTime,
    succeeded: z.boolean(),
    checks: z.array(ZDrillCheck).max(200),
    runner: z.string().min(1).max(200),
  })
  .strict();
export type TExternalDrillResult = z.infer<typeof ZExternalDrillResult>;

export const ZListDrillsQuery = z.object({ cluster: z.string().min(1).max(200).optional() });

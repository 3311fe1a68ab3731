import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeSynced } from './write-synced.ts';

// The agent's durable memory: the highest epoch it has seen, whether the node is fenced, and the
// last promotion it ran. Written atomically (temp file + fsync + rename + fsync dir) so that a crash
// leaves either the old or the new state, never a torn file.

const ZPromotionRecord = z.object({
  epoch: z.number().int(),
  requestedAt: z.string(),
  completedAt: z.string().nullable().optional(),
  timeline: z.number().int().nullable().optional(),
  forkLsn: z.string().nullable().optional(),
});

/** The state as the agent works with it (absent fields of an older file read as null). */
export const ZFencingState = z.object({
  epoch: z.number().int().min(0),
  fenced: z.boolean(),
  since: z.string().nullable(),
  reason: z.string().nullable(),
  promotion: ZPromotionRecord.nullable(),
});
export type TFencingState = z.infer<typeof ZFencingState>;

/** The state file on disk. */
const ZStateFile = ZFencingState.extend({
  version: z.literal(1),
  since: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
  promotion: ZPromotionRecord.nullable().optional(),
});

export const STATE_FILE = 'fencing.json';

export function stateFilePath(stateDir: string) {
  return path.join(stateDir, STATE_FILE);
}

export const EMPTY_STATE: TFencingState = { epoch: 0, fenced: false, since: null, reason: null, promotion: null };

export class StateCorruptError extends Error {}

/** Missing file -> empty state; unreadable or invalid file -> StateCorruptError (callers fail closed). */
export async function readFencingState(stateDir: string): Promise<TFencingState> {
  return (await readFencingStateFile(stateDir)) ?? { ...EMPTY_STATE };
}

/** Missing file -> null; unreadable or invalid file -> StateCorruptError. */
export async function readFencingStateFile(stateDir: string): Promise<TFencingState | null> {
  let text: string;
  try {
    text = await fs.readFile(stateFilePath(stateDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateCorruptError(`cannot read ${STATE_FILE}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const s = ZStateFile.parse(JSON.parse(text));
    return { epoch: s.epoch, fenced: s.fenced, since: s.since ?? null, reason: s.reason ?? null, promotion: s.promotion ?? null };
  } catch {
    throw new StateCorruptError(`${STATE_FILE} is not valid agent state`);
  }
}

export async function writeFencingState(stateDir: string, state: TFencingState): Promise<void> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const target = stateFilePath(stateDir);
  const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const body = JSON.stringify({ version: 1, ...state }, null, 2) + '\n';
  await writeSynced(tmp, body);
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  const dir = await fs.open(stateDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

import fs from 'node:fs/promises';
import path from 'node:path';
import { writeSynced } from './write-synced.ts';

// The on-disk half of a fence: with standby.signal present and no primary_conninfo, any later start
// of this data directory — by the agent, an init system or a person — comes up read-only and
// streams from nobody until someone deliberately points it somewhere.

export const NEUTRAL_MARK = '# vakt-agent fence:';

export async function writeFileAtomicLike(file: string, body: string, owner: { uid: number; gid: number }) {
  const tmp = `${file}.vakt-tmp`;
  await writeSynced(tmp, body);
  await fs.chown(tmp, owner.uid, owner.gid).catch(() => {}); // only root can; otherwise we already are the owner
  await fs.rename(tmp, file);
}

/** Returns what it changed (empty = already fenced on disk). */
export async function fenceDataDir(dataDir: string, epoch: number): Promise<string[]> {
  const st = await fs.stat(dataDir); // throws ENOENT: the caller reports it
  const owner = { uid: st.uid, gid: st.gid };
  const changed: string[] = [];

  const signal = path.join(dataDir, 'standby.signal');
  const hasSignal = await fs.access(signal).then(() => true, () => false);
  if (!hasSignal) {
    await writeFileAtomicLike(signal, '', owner);
    changed.push('standby.signal written');
  }

  // postgresql.auto.conf is read last, so an empty primary_conninfo here overrides postgresql.conf.
  const auto = path.join(dataDir, 'postgresql.auto.conf');
  const lines = await readAutoConfLines(auto);
  const kept = lines.filter((l) => !/^\s*(primary_conninfo|primary_slot_name)\s*=/.test(l) && !l.startsWith(NEUTRAL_MARK));
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  const desired = [...kept, `${NEUTRAL_MARK} fenced at epoch ${epoch}; stream from nobody until told`, `primary_conninfo = ''`, `primary_slot_name = ''`, ''].join('\n');
  const alreadyNeutral =
    lines.some((l) => /^\s*primary_conninfo\s*=\s*''\s*$/.test(l)) &&
    !lines.some((l) => /^\s*primary_conninfo\s*=\s*'.+'/.test(l)) &&
    !lines.some((l) => /^\s*primary_slot_name\s*=\s*'.+'/.test(l));
  if (!alreadyNeutral) {
    await writeFileAtomicLike(auto, desired, owner);
    changed.push('primary_conninfo cleared');
  }
  const dir = await fs.open(dataDir, 'r');
  await dir.sync().finally(() => dir.close());
  return changed;
}

export type TDataDirFence = {
  /** the epoch the last fence marker records (null: a marker without a readable epoch) */
  epoch: number | null;
};

/**
 * Whether the data directory still carries this agent's fence: standby.signal is present, and
 * postgresql.auto.conf holds the `# vakt-agent fence:` marker with no non-empty primary_conninfo
 * set after it (someone pointing the node at a primary is the deliberate "until told"). Null = no
 * fence marker. Errors other than a missing file are thrown (the caller fails closed).
 */
export async function readDataDirFence(dataDir: string): Promise<TDataDirFence | null> {
  const hasSignal = await fs.access(path.join(dataDir, 'standby.signal')).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
  if (!hasSignal) return null;
  const lines = await readAutoConfLines(path.join(dataDir, 'postgresql.auto.conf'));
  let markerAt = -1;
  for (let i = 0; i < lines.length; i++) if (lines[i].startsWith(NEUTRAL_MARK)) markerAt = i;
  if (markerAt < 0) return null;
  if (lines.slice(markerAt + 1).some((l) => /^\s*primary_conninfo\s*=\s*'.+'/.test(l))) return null;
  const m = /fenced at epoch (\d+)/.exec(lines[markerAt]);
  return { epoch: m ? Number(m[1]) : null };
}

/** postgresql.auto.conf split into lines; a missing file reads as empty, other read errors are thrown. */
export async function readAutoConfLines(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  return text.split('\n');
}

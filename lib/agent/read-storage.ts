import fs from 'node:fs/promises';
import type { TDatabaseSizes } from './read-postgres-status.ts';

/** Capacity of the file system holding the data directory; dataBytes from PostgreSQL's own (cached) sizes. */
export async function readStorage(dataDir: string, sizes: TDatabaseSizes | null) {
  try {
    const s = await fs.statfs(dataDir);
    const dataBytes = sizes ? sizes.databases.reduce((a, d) => a + d.bytes, 0) + (sizes.walBytes ?? 0) : null;
    return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize, dataBytes };
  } catch {
    return null;
  }
}

import fs from 'node:fs/promises';

/** Writes `body` to a new file readable by its owner only and fsyncs it (the first half of an atomic replace; the caller renames). */
export async function writeSynced(file: string, body: string): Promise<void> {
  const fh = await fs.open(file, 'w', 0o600);
  try {
    await fh.writeFile(body, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { env, resetEnv } from '@/lib/base/env';
import { startEmbeddedPostgres, type TEmbeddedPg } from './embedded';

const run = promisify(execFile);
const g = globalThis as unknown as { vaktEmbeddedPg?: TEmbeddedPg; vaktDbReady?: Promise<string> };

/**
 * The database URL to use. With DATABASE_URL set it is returned as is. Without it, the embedded
 * PostgreSQL (VAKT_EMBEDDED_PG_DIR) is started (or reused when another Vakt process runs it), its
 * migrations are applied (`node scripts/migrate.mjs deploy`, idempotent), and DATABASE_URL is set for
 * this process. Used by the CLI, the demo and the worker.
 */
export function ensureDatabase(): Promise<string> {
  g.vaktDbReady ??= (async () => {
    const given = process.env.DATABASE_URL ?? env().DATABASE_URL;
    if (given) return given;
    const pg = await startEmbeddedPostgres({ dir: env().VAKT_EMBEDDED_PG_DIR });
    g.vaktEmbeddedPg = pg;
    process.env.DATABASE_URL = pg.url;
    resetEnv();
    const root = path.resolve(import.meta.dirname, '..', '..');
    try {
      await run(process.execPath, [path.join(root, 'scripts', 'migrate.mjs'), 'deploy'], { cwd: root, env: { ...process.env, DATABASE_URL: pg.url } });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`migrating the embedded PostgreSQL failed: ${(err.stderr || err.message).trim().split('\n').slice(-3).join(' ')}`);
    }
    return pg.url;
  })();
  g.vaktDbReady.catch(() => (g.vaktDbReady = undefined));
  return g.vaktDbReady;
}

/** Stops the embedded PostgreSQL if this process started it (no-op otherwise). */
export async function stopEmbeddedDatabase(): Promise<void> {
  const pg = g.vaktEmbeddedPg;
  g.vaktEmbeddedPg = undefined;
  g.vaktDbReady = undefined;
  await pg?.stop();
}

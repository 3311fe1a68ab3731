// `npm run worker`: a standalone worker (the same loops as the embedded one: defaultWorkerLoops()) for scale-out.
// Several may run at once: they share nodes through leases in PostgreSQL. SIGTERM/SIGINT stop it
// gracefully (in-flight polls are stored, leases released).
import { ensureDatabase } from '@/scripts/pglocal/bootstrap';
import { disconnectDb } from '@/lib/base/db';
import { logger } from '@/lib/base/log';
import { startWorker } from '@/lib/worker';
import { defaultWorkerLoops } from '@/lib/worker/loops';

async function main() {
  await ensureDatabase();
  const worker = startWorker({ id: process.env.VAKT_WORKER_ID || undefined, loops: defaultWorkerLoops() });
  console.log(JSON.stringify({ worker: worker.id, pid: process.pid }));
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: sig }, 'stopping worker');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await worker.stop();
    await disconnectDb().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

process.on('unhandledRejection', (e) => logger.error({ err: (e as Error)?.message ?? String(e) }, 'unhandled rejection in worker (continuing)'));
main().catch((e) => {
  console.error(`[vakt worker] failed to start: ${(e as Error).message}`);
  process.exit(1);
});

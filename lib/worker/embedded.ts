import { logger } from '@/lib/base/log';
import { startWorker, type TWorker } from './index';
import { defaultWorkerLoops } from './loops';

const g = globalThis as unknown as { vaktEmbeddedWorker?: TWorker };

/** The in-app worker (one per process, also across Next.js dev reloads). Needs DATABASE_URL. */
export function startEmbeddedWorker(): TWorker | null {
  if (g.vaktEmbeddedWorker) return g.vaktEmbeddedWorker;
  if (!process.env.DATABASE_URL) {
    logger.warn('embedded worker not started: DATABASE_URL is not set (npm start / npm run demo set it; or run `npm run worker`)');
    return null;
  }
  g.vaktEmbeddedWorker = startWorker({ loops: defaultWorkerLoops() });
  const stop = () => void g.vaktEmbeddedWorker?.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return g.vaktEmbeddedWorker;
}

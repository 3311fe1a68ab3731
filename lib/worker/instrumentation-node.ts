import { logger } from '@/lib/base/log';

/** What instrumentation.ts does in the Node.js runtime. Never throws. */
export async function registerNodeInstrumentation(): Promise<void> {
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  if ((process.env.VAKT_WORKER ?? 'embedded') !== 'embedded') return;
  try {
    const { startEmbeddedWorker } = await import('./embedded');
    startEmbeddedWorker();
  } catch (e) {
    logger.error({ err: (e as Error).message }, 'embedded worker not started');
  }
}

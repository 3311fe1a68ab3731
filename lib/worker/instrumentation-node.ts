import { logger } from '@/lib/log';

/** What instrumentation.ts does in the Node.js runtime. Never throws. */
export async function registerNodeInstrumentation(): Promise<void> {
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  try {
    // live compliance findings for /api/v1/contexts/{slug}/findings (the registry keeps it on globalThis)
    const { registerLiveFindingsProvider } = await import('@/lib/telemetry/live-inputs');
    registerLiveFindingsProvider();
  } catch (e) {
    logger.error({ err: (e as Error).message }, 'live findings provider not registered');
  }
  if ((process.env.VAKT_WORKER ?? 'embedded') !== 'embedded') return;
  try {
    const { startEmbeddedWorker } = await import('./embedded');
    startEmbeddedWorker();
  } catch (e) {
    logger.error({ err: (e as Error).message }, 'embedded worker not started');
  }
}

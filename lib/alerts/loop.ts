// The alert worker loop (lib/worker/loops.ts): evaluate (under the lease), send due deliveries, keep
// Alertmanager's firing alerts alive; every VAKT_ALERT_INTERVAL_MS.
import { env } from '@/lib/base/env';
import type { TWorkerLoopFactory } from '@/lib/worker/types';
import { deliverDue, resendToAlertmanagers } from './deliver';
import { evaluateAlerts } from './evaluate';

export function alertLoop(opts: { intervalMs?: number } = {}): TWorkerLoopFactory {
  return () => ({
    name: 'alerts',
    async iterate(ctx) {
      await evaluateAlerts();
      await Promise.all([deliverDue({ workerId: ctx.workerId }), resendToAlertmanagers()]);
      return opts.intervalMs ?? env().VAKT_ALERT_INTERVAL_MS;
    },
  });
}

import type { TMaintenance } from '@/lib/promotion/maintenance';
import { formatDateTime } from '@/components/lib/format';

/** The maintenance banner every page showing the cluster carries: automatic failover is paused until `until`. */
export function MaintenanceBanner({ cluster, maintenance }: { cluster: string; maintenance: TMaintenance }) {
  if (!maintenance) return null;
  return (
    <p className="notice warn" role="status" data-testid="maintenance-banner">
      <strong>{cluster} is in maintenance</strong> until {formatDateTime(maintenance.until)} ({maintenance.by}: {maintenance.reason}): automatic failover is paused; planned switchovers
      stay possible.
    </p>
  );
}

import { withApi } from '@/lib/api/handler';
import { ZNameParams } from '@/lib/api/params';
import { endMaintenance, setMaintenance } from '@/lib/promotion/maintenance';
import { ZEndMaintenanceBody, ZMaintenanceBody } from '@/lib/promotion/schemas';

export const dynamic = 'force-dynamic';

/** Maintenance mode (issue 15): automatic failover paused until `until` (Patroni: pause set); audited. */
export const PUT = withApi({ role: 'operator', params: ZNameParams, body: ZMaintenanceBody }, async ({ actor, params, body }) => setMaintenance({ actor, cluster: params.name, reason: body.reason, until: body.until }));

/** Lifts maintenance mode now, `{reason?}` audited (Patroni resumed only where no context requires pause mode). */
export const DELETE = withApi({ role: 'operator', params: ZNameParams, body: ZEndMaintenanceBody }, async ({ actor, params, body }) => endMaintenance({ actor, cluster: params.name, reason: body.reason }));

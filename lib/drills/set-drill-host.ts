import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { requireRole } from '@/lib/auth/session';
import { AppError, notFound } from '@/lib/base/errors';
import { assertAgentUrlAllowed } from '@/lib/base/net/agent-http';
import { sealSecret } from '@/lib/base/secret-box';

// Admin: register (or clear) the agent that runs a cluster's drills. Same allowlist and sealed token
// as members; the token is never returned or audited.

export async function setDrillHost(opts: { actor: TActor; cluster: string; agentUrl: string; agentToken: string }): Promise<{ cluster: string; drillHostUrl: string }> {
  requireRole(opts.actor, 'admin');
  try {
    await assertAgentUrlAllowed(opts.agentUrl);
  } catch (e) {
    throw new AppError('VALIDATION', `agentUrl: ${(e as Error).message}`, { fields: [{ path: 'agentUrl', message: (e as Error).message }] });
  }
  let sealed: string;
  try {
    sealed = sealSecret(opts.agentToken);
  } catch (e) {
    throw new AppError('UNAVAILABLE', (e as Error).message);
  }
  const url = opts.agentUrl.replace(/\/+$/, '');
  return db.$transaction(async (tx) => {
    const c = await tx.cluster.findUnique({ where: { name: opts.cluster }, select: { id: true, drillHostUrl: true } });
    if (!c) throw notFound(`cluster ${opts.cluster}`);
    await tx.cluster.update({ where: { id: c.id }, data: { drillHostUrl: url, drillHostTokenEnc: sealed } });
    await audit(tx, { actor: opts.actor, action: 'cluster.drill-host.set', targetType: 'cluster', targetId: c.id, before: { drillHostUrl: c.drillHostUrl }, after: { drillHostUrl: url } });
    return { cluster: opts.cluster, drillHostUrl: url };
  });
}

export async function clearDrillHost(opts: { actor: TActor; cluster: string }): Promise<{ cluster: string; drillHostUrl: null }> {
  requireRole(opts.actor, 'admin');
  return db.$transaction(async (tx) => {
    const c = await tx.cluster.findUnique({ where: { name: opts.cluster }, select: { id: true, drillHostUrl: true } });
    if (!c) throw notFound(`cluster ${opts.cluster}`);
    await tx.cluster.update({ where: { id: c.id }, data: { drillHostUrl: null, drillHostTokenEnc: null } });
    await audit(tx, { actor: opts.actor, action: 'cluster.drill-host.cleared', targetType: 'cluster', targetId: c.id, before: { drillHostUrl: c.drillHostUrl }, after: { drillHostUrl: null } });
    return { cluster: opts.cluster, drillHostUrl: null };
  });
}

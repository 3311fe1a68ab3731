import { db } from '@/lib/base/db';
import { audit } from '@/lib/audit/record';
import type { TActor } from '@/lib/auth/actor';
import { addUser } from '@/lib/auth/users';
import type { TRole } from '@/lib/auth/roles';
import { requireRole } from '@/lib/auth/session';
import { ensureDefaultClasses, updateClass } from '../../lib/registry/classes';
import type { TDeclarationSpec } from '../../lib/registry/declaration-schema';
import { putDeclaration } from '../../lib/registry/put-declaration';

// Demo data (npm run demo): the five bounded contexts of the decision record with differing,
// plausible declarations — some clean, some with findings — two sites, the default class catalog,
// and one user per role plus a second operator (two-person approval).

export const DEMO_SITES = [
  { name: 'oslo', region: 'Norway East' },
  { name: 'bergen', region: 'Norway West' },
] as const;

/** A class whose bound the demo leaves unset (RTO_BOUND_UNSET shows on the contexts using it). */
export const DEMO_UNSET_CLASS = 'RTO-3';

export const DEMO_TEAMS = ['platform-core', 'platform-inventory', 'platform-orchestration', 'platform-audit', 'platform-billing'] as const;

export const DEMO_USERS: readonly { email: string; password: string; role: TRole; teams: string[] }[] = [
  { email: 'viewer@vakt.demo', password: 'vakt-demo-viewer', role: 'viewer', teams: [] },
  { email: 'owner@vakt.demo', password: 'vakt-demo-owner', role: 'service-owner', teams: ['platform-inventory'] },
  { email: 'operator@vakt.demo', password: 'vakt-demo-operator', role: 'operator', teams: [] },
  { email: 'operator2@vakt.demo', password: 'vakt-demo-operator2', role: 'operator', teams: [] },
  { email: 'admin@vakt.demo', password: 'vakt-demo-admin', role: 'admin', teams: [] },
];

const base: TDeclarationSpec = {
  dataOwnership: 'database-per-service',
  rpoClass: 'RPO-2',
  rtoClass: 'RTO-2',
  crossSite: 'required',
  failover: 'operator-approved',
  replication: { local: 'sync', crossSite: 'async' },
  acceptedCrossSiteDataLossSeconds: 60,
  approvalsRequired: 2,
  backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 14, drillCadenceDays: 7 },
  runbook: 'Confirm the oslo primary is fenced (Vakt shows the fencing epoch), then promote the bergen replica from the Vakt promotion page; verify the new timeline and repoint the service.',
  storage: { durability: 'replicated-block', note: 'Ceph RBD, 3 replicas per site' },
};

type TDemoContext = { slug: string; name: string; team: string; versions: { reason: string; spec: TDeclarationSpec }[] };

export const DEMO_CONTEXTS: readonly TDemoContext[] = [
  {
    slug: 'sentral',
    name: 'Sentral state',
    team: 'platform-core',
    versions: [{ reason: 'initial declaration', spec: { ...base, rpoClass: 'RPO-1', rtoClass: 'RTO-2', acceptedCrossSiteDataLossSeconds: 5 } }],
  },
  {
    slug: 'inventory-tenancy',
    name: 'Inventory and tenancy',
    team: 'platform-inventory',
    versions: [
      {
        reason: 'initial declaration',
        spec: { ...base, rpoClass: 'RPO-1', rtoClass: 'RTO-2', acceptedCrossSiteDataLossSeconds: 30, approvalsRequired: 1, backup: { ...base.backup, drillCadenceDays: 30 } },
      },
      {
        reason: 'two approvals for cross-site promotion; weekly drills; accepted window tightened to the RPO',
        spec: { ...base, rpoClass: 'RPO-1', rtoClass: 'RTO-2', acceptedCrossSiteDataLossSeconds: 5, approvalsRequired: 2 },
      },
    ],
  },
  {
    slug: 'task-orchestration',
    name: 'Task and orchestration',
    team: 'platform-orchestration',
    versions: [
      {
        reason: 'tasks are replayed from the queue after a failover; reconciliation makes some loss acceptable',
        spec: (({ acceptedCrossSiteDataLossSeconds: _omit, ...s }) => ({ ...s, rpoClass: 'RPO-3', rtoClass: 'RTO-1', failover: 'automatic', crossSite: 'optional', replication: { local: 'async', crossSite: 'async' }, approvalsRequired: 1, backup: { ...base.backup, pitr: false, retentionDays: 7 } }))(base) as TDeclarationSpec,
      },
    ],
  },
  {
    slug: 'audit-history',
    name: 'Audit and event history',
    team: 'platform-audit',
    versions: [
      {
        reason: 'history may come back slower than the control path; integrity and retention matter more',
        spec: { ...base, rpoClass: 'RPO-2', rtoClass: 'RTO-3', crossSite: 'optional', failover: 'manual', approvalsRequired: 1, acceptedCrossSiteDataLossSeconds: 300, backup: { fullIntervalHours: 24, pitr: true, walArchiving: true, retentionDays: 365, drillCadenceDays: 0 } },
      },
    ],
  },
  {
    slug: 'billing',
    name: 'Billing',
    team: 'platform-billing',
    versions: [
      {
        reason: 'billing still lives in the shared platform database; migration planned',
        spec: (({ storage: _omit, ...s }) => ({ ...s, dataOwnership: 'shared', rpoClass: 'RPO-2', rtoClass: 'RTO-3', crossSite: 'not-assumed', replication: { local: 'async', crossSite: 'none' }, acceptedCrossSiteDataLossSeconds: undefined, approvalsRequired: 1, backup: { fullIntervalHours: 24, pitr: true, walArchiving: false, retentionDays: 30, drillCadenceDays: 30 } }))(base) as TDeclarationSpec,
      },
    ],
  },
];

/** Idempotent: creates whatever is missing; a context that already has a declaration is left alone. */
export async function seedDemo(opts: { actor: TActor }): Promise<{ users: { email: string; password: string; role: TRole; teams: string[] }[]; contexts: string[] }> {
  const { actor } = opts;
  requireRole(actor, 'admin');
  if ((await ensureDefaultClasses()) > 0) {
    // The record says the numbers come later: the demo leaves one bound unset so its finding shows.
    const rto3 = await db.recoveryClass.findUnique({ where: { kind_name: { kind: 'RTO', name: DEMO_UNSET_CLASS } } });
    if (rto3) await updateClass({ actor, id: rto3.id, input: { boundSeconds: null, description: 'Bound not chosen yet (decided with the storage ADR)' } });
  }
  await db.$transaction(async (tx) => {
    for (const s of DEMO_SITES) {
      if (await tx.site.findUnique({ where: { name: s.name } })) continue;
      await tx.site.create({ data: { name: s.name, region: s.region } });
      await audit(tx, { actor, action: 'site.created', targetType: 'site', targetId: s.name, after: s });
    }
    for (const name of DEMO_TEAMS) {
      if (await tx.team.findUnique({ where: { name } })) continue;
      await tx.team.create({ data: { name } });
      await audit(tx, { actor, action: 'team.created', targetType: 'team', targetId: name, after: { name } });
    }
  });
  for (const c of DEMO_CONTEXTS) {
    const existing = await db.boundedContext.findUnique({ where: { slug: c.slug } });
    if (existing && existing.currentVersion > 0) continue;
    for (const v of c.versions) {
      // JSON round trip drops the undefined keys the spreads above leave behind
      const spec = JSON.parse(JSON.stringify(v.spec));
      await putDeclaration({ actor, slug: c.slug, input: { name: c.name, team: c.team, reason: v.reason, spec } });
    }
  }
  for (const u of DEMO_USERS) {
    if (await db.user.findUnique({ where: { email: u.email } })) continue;
    await addUser({ actor, email: u.email, password: u.password, role: u.role, teams: u.teams });
  }
  return { users: DEMO_USERS.map((u) => ({ ...u, teams: [...u.teams] })), contexts: DEMO_CONTEXTS.map((c) => c.slug) };
}

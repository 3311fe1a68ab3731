import { afterAll, describe, expect, it } from 'vitest';
import { disconnectDb } from '@/lib/base/db';
import { cliActor } from '@/lib/auth/actor';
import { verifyPassword } from '@/lib/auth/password';
import { db } from '@/lib/base/db';
import { listUsers } from '@/lib/auth/users';
import { DEMO_USERS, seedDemo } from '../../scripts/demo/seed-demo';
import { getContext, listContexts } from '../../lib/registry/contexts';
import { listSites } from '../../lib/registry/sites';
import { listTeams } from '../../lib/registry/teams';

afterAll(() => disconnectDb());

describe('seedDemo', () => {
  it('seeds sites, teams, the five contexts with differing findings and one user per role; idempotent', async () => {
    // the integration database is shared by every test file: other tests may have created these sites
    const preexisting = new Set((await listSites()).map((s) => s.name));
    const first = await seedDemo({ actor: cliActor() });
    expect(first.contexts).toEqual(['sentral', 'inventory-tenancy', 'task-orchestration', 'audit-history', 'billing']);
    const second = await seedDemo({ actor: cliActor() });
    expect(second.users).toEqual(first.users);

    const sites = await listSites();
    const demoSites = sites.filter((s) => ['oslo', 'bergen'].includes(s.name));
    expect(demoSites.map((s) => s.name).sort()).toEqual(['bergen', 'oslo']);
    // sites the seed created carry its regions; sites that existed before are left as they were
    for (const s of demoSites.filter((x) => !preexisting.has(x.name))) expect(s.region).toBe(s.name === 'oslo' ? 'Norway East' : 'Norway West');
    expect((await listTeams()).map((t) => t.name)).toEqual(expect.arrayContaining(['platform-core', 'platform-inventory', 'platform-orchestration', 'platform-audit', 'platform-billing']));

    const ctx = new Map((await listContexts()).map((c) => [c.slug, c]));
    expect(ctx.get('sentral')).toMatchObject({ name: 'Sentral state', currentVersion: 1, findingCounts: { error: 0, warning: 0 } });
    expect(ctx.get('inventory-tenancy')).toMatchObject({ currentVersion: 2, findingCounts: { error: 0, warning: 0 } });
    const codes = async (slug: string) => (await getContext(slug)).findings.map((f) => f.code);
    expect(await codes('task-orchestration')).toEqual(expect.arrayContaining(['AUTO_CROSS_SITE_FAILOVER_UNBOUNDED_LOSS', 'ACCEPTED_LOSS_MISSING']));
    expect(await codes('audit-history')).toEqual(expect.arrayContaining(['DRILL_CADENCE_MISSING']));
    expect(await codes('billing')).toEqual(expect.arrayContaining(['SHARED_DATABASE', 'STORAGE_ASSUMPTION_MISSING', 'PITR_WITHOUT_WAL_ARCHIVING']));
    const inv = await getContext('inventory-tenancy');
    expect(inv.history.map((h) => h.version)).toEqual([2, 1]);
    expect(inv.history[0].changes).toBeGreaterThan(0);

    const users = new Map((await listUsers()).map((u) => [u.email, u]));
    expect(DEMO_USERS.map((u) => u.role).sort()).toEqual(['admin', 'operator', 'operator', 'service-owner', 'viewer']);
    for (const u of DEMO_USERS) {
      expect(u.password.length).toBeGreaterThanOrEqual(10);
      expect(users.get(u.email)).toMatchObject({ role: u.role, teams: u.teams });
      const row = await db.user.findUnique({ where: { email: u.email }, omit: { passwordHash: false } });
      expect(await verifyPassword(u.password, row!.passwordHash)).toBe(true);
    }
  });
});

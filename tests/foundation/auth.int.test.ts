import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '@/lib/base/db';
import { authOptions } from '@/lib/auth/options';
import { cliActor } from '@/lib/auth/actor';
import { addUser } from '@/lib/auth/users';
import { actorFromToken, createApiToken, revokeApiToken } from '@/lib/auth/tokens';
import { throttleCheck } from '@/lib/auth/throttle';
import { resetEnv } from '@/lib/base/env';
import { createTeam } from '@/lib/registry/teams';

const sfx = () => randomBytes(4).toString('hex');
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetEnv();
});
afterAll(disconnectDb);

type TAuthorize = (c: Record<string, string>, req: { headers: Record<string, string> }) => Promise<{ id: string } | null>;
const authorize = () => (authOptions().providers[0] as unknown as { options: { authorize: TAuthorize } }).options.authorize;

describe('credentials sign-in', () => {
  it('accepts the right password, refuses a wrong one, and locks the account after repeated failures', async () => {
    const email = `user-${sfx()}@example.test`;
    await addUser({ actor: cliActor(), email, password: 'correct horse battery', role: 'viewer', teams: [] });
    const req = { headers: { 'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 200)}` } };
    expect(await authorize()({ email, password: 'correct horse battery' }, req)).toMatchObject({ email });
    for (let i = 0; i < 5; i++) expect(await authorize()({ email, password: 'wrong password!' }, req)).toBeNull();
    expect((await throttleCheck(email, 'elsewhere')).locked).toBe(true);
    // even the right password is refused while the account is locked
    await expect(authorize()({ email, password: 'correct horse battery' }, req)).rejects.toThrow(/Too many failed sign-ins/);
  });

  it('stores passwords only as a slow KDF hash, never returned by default queries', async () => {
    const email = `hash-${sfx()}@example.test`;
    await addUser({ actor: cliActor(), email, password: 'another long password', role: 'viewer', teams: [] });
    const plain = await db.user.findUnique({ where: { email } });
    expect(plain).not.toHaveProperty('passwordHash');
    const withHash = await db.user.findUnique({ where: { email }, omit: { passwordHash: false } });
    expect(withHash!.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(withHash!.passwordHash).not.toContain('another long password');
  });

  it('keeps sessions at most 12 hours', () => {
    expect(authOptions().session!.maxAge).toBeLessThanOrEqual(12 * 3600);
  });
});

describe('OIDC', () => {
  it('adds a generic OIDC provider only when VAKT_OIDC_* are set, and provisions role and teams from the claims', async () => {
    expect(authOptions().providers.map((p) => p.id)).toEqual(['credentials']);
    process.env.VAKT_OIDC_ISSUER = 'https://id.example.test/realms/ops';
    process.env.VAKT_OIDC_CLIENT_ID = 'vakt';
    process.env.VAKT_OIDC_CLIENT_SECRET = 'client-secret';
    process.env.VAKT_OIDC_ROLE_CLAIM = 'groups_role';
    resetEnv();
    const opts = authOptions();
    const oidc = opts.providers.find((p) => p.id === 'oidc') as unknown as { wellKnown: string; checks: string[] };
    expect(oidc.wellKnown).toBe('https://id.example.test/realms/ops/.well-known/openid-configuration');
    expect(oidc.checks).toContain('pkce');

    const team = `oidc-team-${sfx()}`;
    await createTeam({ actor: cliActor(), name: team });
    const email = `sso-${sfx()}@example.test`;
    const signIn = opts.callbacks!.signIn! as (a: unknown) => Promise<boolean>;
    expect(await signIn({ user: { email }, account: { provider: 'oidc' }, profile: { sub: 'x', email, groups_role: 'operator', vakt_teams: [team, 'no-such-team'] } })).toBe(true);
    const u = await db.user.findUnique({ where: { email }, include: { memberships: { include: { team: true } } } });
    expect(u!.role).toBe('operator');
    expect(u!.memberships.map((m) => m.team.name)).toEqual([team]);
    // a role claim that is not a Vakt role is refused
    expect(await signIn({ user: { email: `bad-${email}` }, account: { provider: 'oidc' }, profile: { sub: 'y', email: `bad-${email}`, groups_role: 'superuser' } })).toBe(false);
  });
});

describe('API tokens', () => {
  it('are shown once, stored hashed, resolve to their role, record last use, and stop working when revoked', async () => {
    const name = `tok-${sfx()}`;
    const created = await createApiToken({ actor: cliActor(), input: { name, role: 'viewer', teams: [] } });
    expect(created.token).toMatch(/^vakt_/);
    const row = await db.apiToken.findUnique({ where: { name }, omit: { tokenHash: false } });
    expect(row!.tokenHash).not.toContain(created.token);
    expect(JSON.stringify(await db.apiToken.findUnique({ where: { name } }))).not.toContain(created.token);
    const actor = await actorFromToken(created.token);
    expect(actor).toMatchObject({ type: 'token', role: 'viewer', label: `token:${name}` });
    expect((await db.apiToken.findUnique({ where: { name } }))!.lastUsedAt).not.toBeNull();
    await revokeApiToken({ actor: cliActor(), name });
    expect(await actorFromToken(created.token)).toBeNull();
    expect(await actorFromToken('vakt_' + 'x'.repeat(43))).toBeNull();
  });
});

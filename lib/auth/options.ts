import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { z } from 'zod';
import { db } from '@/lib/base/db';
import { env, oidcConfigured } from '@/lib/base/env';
import { audit } from '@/lib/audit/record';
import { logger } from '@/lib/base/log';
import { verifyPassword } from './password';
import { clientAddress, throttleCheck, throttleRecord } from './throttle';
import { toDbRole, ZRole } from './roles';

const ZCredentials = z.object({ email: z.email().max(320), password: z.string().min(1).max(200) });

/** next-auth 4 options: credentials always, a generic OIDC provider when VAKT_OIDC_* are set. */
export function authOptions(): NextAuthOptions {
  const e = env();
  const providers: NextAuthOptions['providers'] = [
    CredentialsProvider({
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(credentials, req) {
        const parsed = ZCredentials.safeParse(credentials);
        if (!parsed.success) return null;
        const email = parsed.data.email.toLowerCase();
        const address = clientAddress((req?.headers ?? {}) as Record<string, string>, e.VAKT_TRUST_PROXY);
        const t = await throttleCheck(email, address);
        if (t.locked) throw new Error(`Too many failed sign-ins; try again in ${t.retryAfterSeconds} s`);
        const user = await db.user.findUnique({ where: { email }, omit: { passwordHash: false } });
        const ok = await verifyPassword(parsed.data.password, user?.passwordHash);
        await throttleRecord(email, address, ok && !!user && !user.disabled);
        if (!ok || !user || user.disabled) {
          logger.info({ email, address }, 'sign-in refused');
          return null;
        }
        await db.$transaction((tx) => audit(tx, { actor: { type: 'user', id: user.id, label: user.email }, action: 'auth.signed_in', targetType: 'user', targetId: user.id, after: { method: 'credentials' } }));
        return { id: user.id, email: user.email, name: user.name ?? user.email };
      },
    }),
  ];
  if (oidcConfigured(e)) {
    providers.push({
      id: 'oidc',
      name: 'Single sign-on',
      type: 'oauth',
      wellKnown: `${e.VAKT_OIDC_ISSUER!.replace(/\/$/, '')}/.well-known/openid-configuration`,
      clientId: e.VAKT_OIDC_CLIENT_ID,
      clientSecret: e.VAKT_OIDC_CLIENT_SECRET,
      authorization: { params: { scope: 'openid email profile' } },
      idToken: true,
      checks: ['pkce', 'state'],
      profile(profile: Record<string, unknown>) {
        return { id: String(profile.sub), email: String(profile.email ?? ''), name: String(profile.name ?? profile.email ?? profile.sub) };
      },
    });
  }
  return {
    providers,
    secret: e.NEXTAUTH_SECRET,
    session: { strategy: 'jwt', maxAge: Math.round(e.VAKT_SESSION_MAX_AGE_HOURS * 3600) },
    jwt: { maxAge: Math.round(e.VAKT_SESSION_MAX_AGE_HOURS * 3600) },
    pages: { signIn: '/signin' },
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider !== 'oidc') return true;
        return provisionOidcUser(user.email ?? '', (profile ?? {}) as Record<string, unknown>);
      },
      async jwt({ token, user, account, profile }) {
        if (user) {
          // our own user id, and when this person last proved who they are (step-up for approvals):
          // for OIDC the provider's auth_time from the validated ID token, never our own clock
          const row = await db.user.findUnique({ where: { email: (user.email ?? '').toLowerCase() } });
          if (row) token.sub = row.id;
          token.authTime = account?.provider === 'oidc' ? oidcAuthTime(profile) : Math.floor(Date.now() / 1000);
          token.provider = account?.provider ?? 'credentials';
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, userId: token.sub, authTime: token.authTime };
      },
    },
    logger: {
      error: (code, meta) => logger.error({ code, meta: meta instanceof Error ? meta.message : undefined }, 'next-auth error'),
      warn: (code) => logger.warn({ code }, 'next-auth warning'),
      debug: () => {},
    },
  };
}

/** The ID token's auth_time (seconds since the epoch), or undefined when the provider sent none (step-up then refuses). */
function oidcAuthTime(profile: unknown): number | undefined {
  const t = (profile as { auth_time?: unknown } | undefined)?.auth_time;
  return typeof t === 'number' && Number.isFinite(t) ? t : undefined;
}

/** Just-in-time provisioning of an OIDC user: role and teams come from the configured claims. */
async function provisionOidcUser(emailRaw: string, profile: Record<string, unknown>): Promise<boolean> {
  const e = env();
  const email = emailRaw.toLowerCase();
  const role = ZRole.safeParse(profile[e.VAKT_OIDC_ROLE_CLAIM]);
  if (!email || !role.success) {
    logger.warn({ email }, `OIDC sign-in refused: claim ${e.VAKT_OIDC_ROLE_CLAIM} missing or not a Vakt role`);
    return false;
  }
  const teamsClaim = profile[e.VAKT_OIDC_TEAMS_CLAIM];
  const teams = (Array.isArray(teamsClaim) ? teamsClaim : typeof teamsClaim === 'string' ? teamsClaim.split(',') : []).map(String).map((s) => s.trim()).filter(Boolean);
  await db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { email }, include: { memberships: { include: { team: true } } } });
    if (before?.disabled) throw new Error('account disabled');
    const u = await tx.user.upsert({ where: { email }, create: { email, role: toDbRole(role.data), name: String(profile.name ?? email) }, update: { role: toDbRole(role.data) } });
    const known = await tx.team.findMany({ where: { name: { in: teams } } });
    await tx.teamMember.deleteMany({ where: { userId: u.id } });
    if (known.length) await tx.teamMember.createMany({ data: known.map((t) => ({ userId: u.id, teamId: t.id })) });
    const beforeState = before ? { role: before.role, teams: before.memberships.map((m) => m.team.name).sort() } : null;
    const afterState = { role: toDbRole(role.data), teams: known.map((t) => t.name).sort() };
    if (JSON.stringify(beforeState) !== JSON.stringify(afterState)) {
      await audit(tx, { actor: { type: 'user', id: u.id, label: email }, action: before ? 'user.oidc_updated' : 'user.oidc_provisioned', targetType: 'user', targetId: u.id, before: beforeState, after: afterState });
    }
  });
  return true;
}

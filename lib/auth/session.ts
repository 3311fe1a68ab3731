import { getServerSession } from 'next-auth';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { db } from '@/lib/base/db';
import { AppError, forbidden } from '@/lib/base/errors';
import { authOptions } from './options';
import type { TActor } from './actor';
import { fromDbRole, hasRole, type TRole } from './roles';
import { actorFromToken, bearerToken } from './tokens';

/** The signed-in person, re-read from the database on every request (role changes and disabling apply at once). */
export async function sessionActor(): Promise<TActor | null> {
  const session = (await getServerSession(authOptions())) as { userId?: string; authTime?: number } | null;
  if (!session?.userId) return null;
  const user = await db.user.findUnique({
    where: { id: session.userId },
    include: { memberships: { include: { team: true } } },
    omit: { passwordHash: false },
  });
  if (!user || user.disabled) return null;
  return {
    type: 'user',
    id: user.id,
    label: user.email,
    role: fromDbRole(user.role),
    teams: user.memberships.map((m) => m.team.name),
    authTime: session.authTime,
    hasPassword: Boolean(user.passwordHash),
  };
}

/** Session cookie or `Authorization: Bearer <token>`. */
export async function requestActor(req: Request): Promise<{ actor: TActor; via: 'token' | 'session' } | null> {
  const auth = req.headers.get('authorization');
  if (auth) {
    const token = bearerToken(auth);
    const actor = token ? await actorFromToken(token) : null;
    if (!actor) throw new AppError('UNAUTHENTICATED', 'invalid or revoked API token');
    return { actor, via: 'token' };
  }
  const actor = await sessionActor();
  return actor ? { actor, via: 'session' } : null;
}

export function requireRole(actor: TActor, role: TRole): void {
  if (!hasRole(actor.role, role)) throw forbidden(`this needs the ${role} role; you are ${actor.role}`);
}

/** For pages: the signed-in person with at least `role`, else redirect to sign-in (or 403 page). */
export async function pageActor(role: TRole = 'viewer', from = '/'): Promise<TActor> {
  const actor = await sessionActor();
  if (!actor) redirect(`/signin?callbackUrl=${encodeURIComponent(from)}`);
  if (!hasRole(actor.role, role)) redirect('/forbidden');
  return actor;
}

/** For server actions: same checks as the API (session, role, same-origin). Throws AppError. */
export async function actionActor(role: TRole): Promise<TActor> {
  const h = await headers();
  assertSameOrigin(h);
  const actor = await sessionActor();
  if (!actor) throw new AppError('UNAUTHENTICATED', 'your session has ended: sign in again');
  requireRole(actor, role);
  return actor;
}

/** Mutations made with a session cookie must come from our own origin (CSRF). */
export function assertSameOrigin(h: Headers): void {
  const origin = h.get('origin');
  const host = h.get('x-forwarded-host') ?? h.get('host');
  const allowed = new Set<string>();
  if (process.env.NEXTAUTH_URL) allowed.add(new URL(process.env.NEXTAUTH_URL).origin);
  if (host) {
    allowed.add(`http://${host}`);
    allowed.add(`https://${host}`);
  }
  if (!origin || !allowed.has(origin)) throw forbidden('cross-origin request refused (Origin header missing or foreign)');
}

// Step-up before a person's dangerous act: the password re-entered now, or (accounts without a
// password, i.e. OIDC) a sign-in within the last VAKT_REAUTH_WINDOW_MINUTES.
import { db } from '@/lib/base/db';
import { env } from '@/lib/base/env';
import type { TActor } from '@/lib/auth/actor';
import { verifyPassword } from '@/lib/auth/password';
import { AppError, forbidden } from '@/lib/base/errors';

export async function requireStepUp(actor: TActor, password: string | undefined, now = new Date()): Promise<void> {
  if (actor.type !== 'user' || !actor.id) throw forbidden("approving is a person's act: sign in in the browser; API tokens cannot approve");
  const user = await db.user.findUnique({ where: { id: actor.id }, omit: { passwordHash: false } });
  if (!user || user.disabled) throw forbidden('your account is disabled');
  if (user.passwordHash) {
    if (!password) {
      throw new AppError('VALIDATION', 're-enter your password to approve', { fields: [{ path: 'password', message: 'required: re-enter your password' }] });
    }
    if (!(await verifyPassword(password, user.passwordHash))) throw new AppError('FORBIDDEN', 'the password is not correct', { reason: 'STEP_UP_FAILED' });
    return;
  }
  const windowMs = env().VAKT_REAUTH_WINDOW_MINUTES * 60_000;
  const authMs = actor.authTime ? (actor.authTime < 1e12 ? actor.authTime * 1000 : actor.authTime) : null;
  if (authMs === null || now.getTime() - authMs > windowMs) {
    throw new AppError('FORBIDDEN', `sign in again (within the last ${env().VAKT_REAUTH_WINDOW_MINUTES} minutes) before approving`, { reason: 'REAUTH_REQUIRED' });
  }
}

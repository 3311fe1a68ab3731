// Step-up before a person's dangerous act: the password re-entered now, or (accounts without a
// password, i.e. OIDC) a sign-in at the identity provider within the last VAKT_REAUTH_WINDOW_MINUTES
// (lib/auth/step-up.ts).
import { db } from '@/lib/base/db';
import type { TActor } from '@/lib/auth/actor';
import { verifyPassword } from '@/lib/auth/password';
import { requireRecentSignIn } from '@/lib/auth/step-up';
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
  requireRecentSignIn(actor, now);
}

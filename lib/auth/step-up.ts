// Step-up for accounts without a password (OIDC): the approval is accepted only when the identity
// provider's auth_time (kept in the session when the person signed in there) lies within the last
// VAKT_REAUTH_WINDOW_MINUTES. The browser asks the provider for a fresh login (prompt=login, max_age);
// this check, on the server, is what decides.
import { env } from '@/lib/base/env';
import { AppError } from '@/lib/base/errors';
import type { TActor } from './actor';

/** A sign-in this far in the future (clock skew between the provider and Vakt) is still believed. */
const SKEW_MS = 60_000;

export type TReauthState = { fresh: boolean; authAt: string | null; validUntil: string | null; windowMinutes: number };

/** How a person steps up before approving: the password re-entered, or a fresh sign-in at the identity provider. */
export type TStepUp = { method: 'password' } | ({ method: 'oidc' } & TReauthState);

/** Pure: is a sign-in at `authTime` (seconds since the epoch, the provider's auth_time) recent enough at `now`? */
export function reauthState(authTime: number | undefined, now: Date, windowMinutes: number): TReauthState {
  if (typeof authTime !== 'number' || !Number.isFinite(authTime) || authTime <= 0) return { fresh: false, authAt: null, validUntil: null, windowMinutes };
  const authMs = authTime * 1000;
  const untilMs = authMs + windowMinutes * 60_000;
  const fresh = now.getTime() <= untilMs && authMs <= now.getTime() + SKEW_MS;
  return { fresh, authAt: new Date(authMs).toISOString(), validUntil: new Date(untilMs).toISOString(), windowMinutes };
}

/** What the approval form offers this person (pages). */
export function stepUpFor(actor: TActor, now = new Date()): TStepUp {
  if (actor.hasPassword) return { method: 'password' };
  return { method: 'oidc', ...reauthState(actor.authTime, now, env().VAKT_REAUTH_WINDOW_MINUTES) };
}

/** Throws REAUTH_REQUIRED unless the person signed in at the identity provider within the window. */
export function requireRecentSignIn(actor: TActor, now = new Date()): void {
  const r = reauthState(actor.authTime, now, env().VAKT_REAUTH_WINDOW_MINUTES);
  if (r.fresh) return;
  const when = r.authAt ? `your last sign-in at the identity provider was at ${r.authAt}` : 'the identity provider did not say when you signed in (no auth_time)';
  throw new AppError('FORBIDDEN', `${when}; approving needs a sign-in within the last ${r.windowMinutes} minutes: sign in again at the identity provider`, {
    reason: 'REAUTH_REQUIRED',
    authTime: r.authAt,
    windowMinutes: r.windowMinutes,
  });
}

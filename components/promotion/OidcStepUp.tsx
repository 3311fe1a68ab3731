'use client';
import { signIn } from 'next-auth/react';
import type { TStepUp } from '@/lib/auth/step-up';
import { formatClock } from '@/components/lib/format';

/**
 * OIDC accounts step up at their identity provider: a fresh login (prompt=login, max_age) brings them
 * back here with a new auth_time; the server checks it (lib/auth/step-up.ts) when they approve.
 */
export function OidcStepUp({ callbackUrl, stepUp, refused }: { callbackUrl: string; stepUp: Extract<TStepUp, { method: 'oidc' }>; refused: boolean }) {
  const again = () => void signIn('oidc', { callbackUrl }, { prompt: 'login', max_age: String(stepUp.windowMinutes * 60) });
  const last = stepUp.authAt ? `You last signed in at your identity provider at ${formatClock(stepUp.authAt)}` : 'Your identity provider did not say when you last signed in';
  if (stepUp.fresh && !refused) {
    return <p className="hint" data-testid="step-up-state">{last}: you can approve until {formatClock(stepUp.validUntil!)}.</p>;
  }
  return (
    <div className="notice warn" data-testid="step-up-state">
      <p>
        {last}. Approving needs a sign-in within the last {stepUp.windowMinutes} minutes.
      </p>
      <button type="button" className="btn primary" onClick={again}>
        Sign in again at your identity provider to approve
      </button>
    </div>
  );
}

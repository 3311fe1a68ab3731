'use client';
import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';

export function SignInForm({ callbackUrl, oidc, initialError }: { callbackUrl: string; oidc: boolean; initialError?: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(initialError ? 'Sign-in failed.' : null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const f = new FormData(e.currentTarget);
    const res = await signIn('credentials', { email: f.get('email'), password: f.get('password'), redirect: false });
    setBusy(false);
    if (!res || res.error) {
      setError(res?.error && res.error !== 'CredentialsSignin' ? res.error : 'Wrong email or password.');
      return;
    }
    router.push(callbackUrl);
    router.refresh();
  }

  return (
    <>
      <form onSubmit={onSubmit} className="form" aria-label="Sign in">
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {oidc && (
        <p>
          <button type="button" className="btn" onClick={() => signIn('oidc', { callbackUrl })}>
            Sign in with single sign-on
          </button>
        </p>
      )}
    </>
  );
}

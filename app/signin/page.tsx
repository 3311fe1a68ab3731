import { oidcConfigured } from '@/lib/base/env';
import { SignInForm } from './SignInForm';

export const dynamic = 'force-dynamic';

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const sp = await searchParams;
  const callbackUrl = sp.callbackUrl?.startsWith('/') ? sp.callbackUrl : '/';
  return (
    <section className="card narrow">
      <h1>Sign in to Vakt</h1>
      <SignInForm callbackUrl={callbackUrl} oidc={oidcConfigured()} initialError={sp.error} />
    </section>
  );
}

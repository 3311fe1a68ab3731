import Link from 'next/link';
import type { TActor } from '@/lib/auth/actor';
import { hasRole } from '@/lib/auth/roles';
import { SignOutButton } from './SignOutButton';

export function Nav({ actor }: { actor: TActor | null }) {
  return (
    <header className="topbar">
      <Link href="/" className="brand" aria-label="Vakt home">
        <span className="brand-mark" aria-hidden>◆</span> Vakt
      </Link>
      {actor && (
        <nav aria-label="Main">
          <Link href="/fleet">Fleet</Link>
          <Link href="/contexts">Contexts</Link>
          <Link href="/readiness">Readiness</Link>
          <Link href="/promotions">Promotions</Link>
          <Link href="/alerts">Alerts</Link>
          <Link href="/classes">Classes</Link>
          <Link href="/sites">Sites</Link>
          <Link href="/teams">Teams</Link>
          <Link href="/audit">Audit</Link>
          {hasRole(actor.role, 'admin') && <Link href="/admin/tokens">Tokens</Link>}
        </nav>
      )}
      <div className="who">
        {actor ? (
          <>
            <span title={actor.teams.join(', ')}>
              {actor.label} · <strong>{actor.role}</strong>
            </span>
            <SignOutButton />
          </>
        ) : (
          <Link href="/signin">Sign in</Link>
        )}
      </div>
    </header>
  );
}

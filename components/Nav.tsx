import Link from 'next/link';
import type { TActor } from '@/lib/auth/actor';
import { NavLinks, type TNavLink } from '@/components/ui/NavLinks';
import { SignOutButton } from './SignOutButton';

// Main nav, in the order an operator works: the overview, then the fleet (the clusters list; a
// cluster's page counts as Fleet), the registry, readiness, promotions (with switchovers and
// rejoins), drills, alerts, audit and the admin pages (classes, sites, teams, tokens).
const MAIN_LINKS: TNavLink[] = [
  { href: '/', label: 'Overview' },
  { href: '/fleet', label: 'Fleet', also: ['/clusters'] },
  { href: '/contexts', label: 'Contexts' },
  { href: '/readiness', label: 'Readiness' },
  { href: '/promotions', label: 'Promotions' },
  { href: '/drills', label: 'Drills' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/audit', label: 'Audit' },
  { href: '/admin', label: 'Admin', also: ['/classes', '/sites', '/teams'] },
];

export function Nav({ actor }: { actor: TActor | null }) {
  return (
    <header className="topbar">
      <Link href="/" className="brand" aria-label="Vakt home">
        <span className="brand-mark" aria-hidden>◆</span> Vakt
      </Link>
      {actor && (
        <nav aria-label="Main">
          <NavLinks links={MAIN_LINKS} />
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

import Link from 'next/link';
import { pageActor } from '@/lib/auth/session';
import { hasRole } from '@/lib/auth/roles';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Admin · Vakt' };

// The admin group: what the registry is built from. Everyone signed in reads these; admins change them.
const PAGES = [
  { href: '/classes', title: 'Recovery classes', what: 'The RPO and RTO classes declarations choose from, with their numeric bounds.' },
  { href: '/sites', title: 'Sites', what: 'Datacenters or failure domains; cluster members are placed in them.' },
  { href: '/teams', title: 'Teams', what: 'Who owns which bounded contexts, and whose declarations need an admin to accept them.' },
  { href: '/admin/tokens', title: 'API tokens and users', what: 'Bearer tokens for vaktctl and automation, and the users who sign in.', admin: true },
];

export default async function AdminPage() {
  const actor = await pageActor('viewer', '/admin');
  const admin = hasRole(actor.role, 'admin');
  return (
    <>
      <h1>Admin</h1>
      <p className="muted">{admin ? 'The registry’s building blocks: change them here (every change is audited).' : 'The registry’s building blocks. You can read them; an admin changes them.'}</p>
      <ul className="admin-index">
        {PAGES.filter((p) => !p.admin || admin).map((p) => (
          <li key={p.href} className="card">
            <Link href={p.href}>{p.title}</Link>
            <p className="muted small flush">{p.what}</p>
          </li>
        ))}
      </ul>
    </>
  );
}

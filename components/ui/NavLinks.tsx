'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

// The main nav's links; the current section's link carries aria-current="page" (and its style).

export type TNavLink = { href: string; label: string; /** other path prefixes this link stands for */ also?: string[] };

const under = (path: string, prefix: string) => (prefix === '/' ? path === '/' : path === prefix || path.startsWith(`${prefix}/`));

export function NavLinks({ links }: { links: TNavLink[] }) {
  const path = usePathname() ?? '';
  return (
    <>
      {links.map((l) => (
        <Link key={l.href} href={l.href} aria-current={[l.href, ...(l.also ?? [])].some((p) => under(path, p)) ? 'page' : undefined}>
          {l.label}
        </Link>
      ))}
    </>
  );
}

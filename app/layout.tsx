import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';
import { Providers } from '@/components/Providers';
import { Nav } from '@/components/Nav';
import { sessionActor } from '@/lib/auth/session';

export const metadata: Metadata = {
  title: 'Vakt',
  description: 'Recovery policy and promotion safety for control-plane PostgreSQL',
  icons: { icon: { url: '/favicon.svg', type: 'image/svg+xml' } },
};
export const dynamic = 'force-dynamic';

export default async function RootLayout({ children }: { children: ReactNode }) {
  const actor = await sessionActor().catch(() => null);
  return (
    <html lang="en">
      <body>
        <Providers>
          <Nav actor={actor} />
          <main id="main">{children}</main>
        </Providers>
      </body>
    </html>
  );
}

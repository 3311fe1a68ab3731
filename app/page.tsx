import { redirect } from 'next/navigation';
import { pageActor } from '@/lib/auth/session';

export default async function Home() {
  await pageActor('viewer', '/');
  redirect('/fleet');
}

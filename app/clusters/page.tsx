import { redirect } from 'next/navigation';
import { pageActor } from '@/lib/auth/session';

// The clusters list is the fleet page.
export default async function ClustersPage() {
  await pageActor('viewer', '/clusters');
  redirect('/fleet');
}

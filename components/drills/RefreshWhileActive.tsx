'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/** While a drill is queued or running, re-reads the server page every few seconds. */
export function RefreshWhileActive({ active, everyMs = 3000 }: { active: boolean; everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs, router]);
  return null;
}

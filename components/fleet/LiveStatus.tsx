'use client';
import { useEffect, useState } from 'react';
import { formatAge } from '@/components/lib/format';

/** "live · updated 2 s ago", or why live updates are paused (the last data stays on screen). */
export function LiveStatus({ updatedAt, error, fetching }: { updatedAt: number; error: Error | null; fetching: boolean }) {
  const [now, setNow] = useState(updatedAt);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const age = updatedAt ? Math.max(0, now - updatedAt) / 1000 : null;
  if (error) {
    return (
      <p role="status" className="notice warn live-status">
        Live updates paused: {error.message}. Showing data from {formatAge(age)}; retrying every few seconds.
      </p>
    );
  }
  return (
    <p className="muted small live-status" aria-live="off">
      <span className={`live-dot${fetching ? ' busy' : ''}`} aria-hidden /> live · refreshed {formatAge(age)}
    </p>
  );
}

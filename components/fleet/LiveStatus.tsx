'use client';
import { useEffect, useState } from 'react';
import { formatAge } from '@/components/lib/format';
import { useLiveConnected } from '@/components/lib/live-stream';

/** "live · updated 2 s ago", or why live updates are paused (the last data stays on screen). */
export function LiveStatus({ updatedAt, error, fetching }: { updatedAt: number; error: Error | null; fetching: boolean }) {
  const [now, setNow] = useState(updatedAt);
  const stream = useLiveConnected();
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const age = updatedAt ? Math.max(0, now - updatedAt) / 1000 : null;
  if (error) {
    return (
      <p role="status" className="notice warn live-status" data-testid="live-status" data-stream={stream ? 'on' : 'off'}>
        Live updates paused: {error.message}. Showing data from {formatAge(age)}; retrying every few seconds.
      </p>
    );
  }
  return (
    <p className="muted small live-status" aria-live="off" data-testid="live-status" data-stream={stream ? 'on' : 'off'}>
      <span className={`live-dot${fetching ? ' busy' : ''}`} aria-hidden /> live{stream ? '' : ' (polling)'} · refreshed {formatAge(age)}
    </p>
  );
}

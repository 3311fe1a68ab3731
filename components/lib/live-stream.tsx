'use client';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { LIVE_REFRESH_MS, STREAM_SAFETY_NET_MS } from './refresh';

// The live stream of one browser tab: ONE EventSource on GET /api/v1/stream (server-sent events fed by
// PostgreSQL LISTEN/NOTIFY), opened while a live component is mounted. A `change` invalidates the
// react-query queries of what changed (react-query keeps the previous data on screen while it
// refetches: no flicker); pages rendered on the server refresh. While the stream is down (cut, the
// server restarting) queries fall back to polling every LIVE_REFRESH_MS, and on reconnect everything
// is re-read once (events may have been missed).
export type TLiveEvent = { kind: 'cluster'; name: string } | { kind: 'context'; slug: string } | { kind: 'reset' };
type TListener = (events: TLiveEvent[]) => void;
type TLive = { connected: boolean; use: () => () => void; listen: (fn: TListener) => () => void };

const LiveContext = createContext<TLive | null>(null);
const REOPEN_MS = 3000;
const BATCH_MS = 100;

/** Which cached queries an event makes out of date (keys as the live components use them). */
export function staleQueryKeys(e: TLiveEvent): unknown[][] {
  if (e.kind === 'cluster') return [['clusters'], ['cluster', e.name], ['safety', e.name], ['promotions'], ['overview']];
  if (e.kind === 'reset') return [['clusters'], ['cluster'], ['safety'], ['promotions'], ['overview']];
  return [['overview']];
}

export function LiveStreamProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [connected, setConnected] = useState(false);
  const [users, setUsers] = useState(0);
  const listeners = useRef(new Set<TListener>());

  useEffect(() => {
    if (users === 0) return;
    let es: EventSource | null = null;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    let flush: ReturnType<typeof setTimeout> | undefined;
    let pending: TLiveEvent[] = [];
    let dropped = false;
    let closed = false;
    const deliver = (e: TLiveEvent) => {
      pending.push(e);
      flush ??= setTimeout(() => {
        flush = undefined;
        const batch = pending;
        pending = [];
        const keys = new Map(batch.flatMap(staleQueryKeys).map((k) => [JSON.stringify(k), k]));
        for (const queryKey of keys.values()) void qc.invalidateQueries({ queryKey });
        for (const fn of listeners.current) fn(batch);
      }, BATCH_MS);
    };
    const open = () => {
      es = new EventSource('/api/v1/stream');
      es.addEventListener('ready', () => {
        setConnected(true);
        if (dropped) deliver({ kind: 'reset' });
        dropped = false;
      });
      es.addEventListener('change', (m) => {
        try {
          deliver(JSON.parse((m as MessageEvent<string>).data) as TLiveEvent);
        } catch {
          /* not an event of ours */
        }
      });
      es.addEventListener('reset', () => deliver({ kind: 'reset' }));
      es.onerror = () => {
        setConnected(false);
        dropped = true;
        // the browser retries on its own unless the answer was not a stream (401, 5xx): then we do
        if (es?.readyState === EventSource.CLOSED && !closed) {
          es.close();
          reopen = setTimeout(open, REOPEN_MS);
        }
      };
    };
    open();
    return () => {
      closed = true;
      clearTimeout(reopen);
      clearTimeout(flush);
      es?.close();
      setConnected(false);
    };
  }, [users, qc]);

  const use = useCallback(() => {
    setUsers((n) => n + 1);
    return () => setUsers((n) => n - 1);
  }, []);
  const listen = useCallback((fn: TListener) => {
    listeners.current.add(fn);
    return () => void listeners.current.delete(fn);
  }, []);
  const value = useMemo<TLive>(() => ({ connected, use, listen }), [connected, use, listen]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

/** Whether the tab's live stream is connected (false outside a LiveStreamProvider). */
export function useLiveConnected(): boolean {
  return useContext(LiveContext)?.connected ?? false;
}

/** Keeps the tab's stream open while mounted; the refetch interval to use: a slow safety net while the stream is up, LIVE_REFRESH_MS while it is down. */
export function useLiveRefetchMs(): number {
  const live = useContext(LiveContext);
  const use = live?.use;
  useEffect(() => use?.(), [use]);
  return live?.connected ? STREAM_SAFETY_NET_MS : LIVE_REFRESH_MS;
}

/**
 * For pages rendered on the server (the contexts list and a context): re-render (router.refresh; the
 * page stays on screen until the new one arrives) on a change of the context `slug` (any context
 * without one), and every LIVE_REFRESH_MS while the stream is down.
 */
export function LiveRefresh({ slug }: { slug?: string }) {
  const router = useRouter();
  const listen = useContext(LiveContext)?.listen;
  const refetchMs = useLiveRefetchMs();
  useEffect(
    () => listen?.((events) => {
      if (events.some((e) => e.kind === 'reset' || (e.kind === 'context' && (!slug || e.slug === slug)))) router.refresh();
    }),
    [listen, slug, router],
  );
  useEffect(() => {
    if (refetchMs === STREAM_SAFETY_NET_MS) return;
    const t = setInterval(() => router.refresh(), refetchMs);
    return () => clearInterval(t);
  }, [refetchMs, router]);
  return null;
}

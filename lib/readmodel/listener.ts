// ONE listening PostgreSQL connection per app process, shared by every open stream (every browser
// tab): LISTEN vakt_readmodel, fan out each NOTIFY to the subscribers. Connected while anyone
// listens; reconnects with capped backoff, and tells subscribers `reset` after a reconnect (they may
// have missed events while it was away), so several app instances can serve the stream, each with
// its own one connection.
import pg from 'pg';
import { databaseUrl } from '@/lib/base/db';
import { logger } from '@/lib/base/log';
import { NOTIFY_CHANNEL, type TReadModelEvent } from './refresh';

export type TStreamMessage = { type: 'change'; event: TReadModelEvent } | { type: 'reset' };
type TSubscriber = (m: TStreamMessage) => void;

type TListenerState = { subscribers: Set<TSubscriber>; client: pg.Client | null; connecting: Promise<void> | null; failures: number; timer: NodeJS.Timeout | null; everConnected: boolean };
const g = globalThis as unknown as { vaktReadModelListener?: TListenerState };
const state = (): TListenerState => (g.vaktReadModelListener ??= { subscribers: new Set(), client: null, connecting: null, failures: 0, timer: null, everConnected: false });

function parse(payload: string | undefined): TReadModelEvent | null {
  try {
    const e = JSON.parse(payload ?? '') as TReadModelEvent;
    return e && ((e.kind === 'cluster' && typeof e.name === 'string') || (e.kind === 'context' && typeof e.slug === 'string')) ? e : null;
  } catch {
    return null;
  }
}

function broadcast(m: TStreamMessage) {
  for (const s of state().subscribers) {
    try {
      s(m);
    } catch {
      /* a closed stream: it unsubscribes itself */
    }
  }
}

function scheduleReconnect() {
  const s = state();
  if (s.timer || !s.subscribers.size) return;
  const delay = Math.min(10_000, 250 * 2 ** Math.min(s.failures, 6));
  s.timer = setTimeout(() => {
    s.timer = null;
    void connect();
  }, delay);
  s.timer.unref?.();
}

function connect(): Promise<void> {
  const s = state();
  if (s.client || s.connecting) return s.connecting ?? Promise.resolve();
  s.connecting = (async () => {
    const client = new pg.Client({ connectionString: databaseUrl(), application_name: 'vakt-stream' });
    const lost = (err?: Error) => {
      if (s.client !== client) return;
      s.client = null;
      s.failures++;
      logger.warn({ err: err?.message }, 'read-model stream listener lost its connection; reconnecting');
      client.end().catch(() => undefined);
      scheduleReconnect();
    };
    try {
      client.on('notification', (n) => {
        const e = n.channel === NOTIFY_CHANNEL ? parse(n.payload) : null;
        if (e) broadcast({ type: 'change', event: e });
      });
      client.on('error', lost);
      client.on('end', () => lost());
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      s.client = client;
      if (s.everConnected) broadcast({ type: 'reset' });
      s.everConnected = true;
      s.failures = 0;
      if (!s.subscribers.size) await disconnect();
    } catch (e) {
      s.failures++;
      client.end().catch(() => undefined);
      logger.warn({ err: (e as Error).message }, 'read-model stream listener could not connect; retrying');
      scheduleReconnect();
    } finally {
      s.connecting = null;
    }
  })();
  return s.connecting;
}

async function disconnect() {
  const s = state();
  const c = s.client;
  s.client = null;
  if (c) await c.end().catch(() => undefined);
}

/** Receive every read-model change of this process's one listening connection; returns the unsubscribe. */
export function subscribe(fn: TSubscriber): () => void {
  const s = state();
  s.subscribers.add(fn);
  void connect();
  return () => {
    s.subscribers.delete(fn);
    if (!s.subscribers.size) void disconnect();
  };
}

/** Open listening connections of this process (0 or 1), for tests and metrics. */
export function listenerConnections(): number {
  return state().client ? 1 : 0;
}

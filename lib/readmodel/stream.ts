// GET /api/v1/stream: server-sent events of read-model changes (docs/api.md "Live stream"). Each
// open stream is a subscriber of the process's one listening connection (./listener.ts), never a
// connection of its own. Events: `ready` once, `change` {kind, name|slug} per stored change pages
// show, `reset` when the listener reconnected (re-read everything); a comment every 15 s keeps
// proxies from closing an idle stream; after 10 minutes the server ends the stream and the browser
// reconnects, so a session that expired or a revoked token stops receiving events.
import { subscribe, type TStreamMessage } from './listener';

const HEARTBEAT_MS = 15_000;
/** A stream is closed after this long; the browser reconnects at once, so its credentials are checked again. */
const MAX_STREAM_MS = 10 * 60_000;

export function streamResponse(signal: AbortSignal): Response {
  const enc = new TextEncoder();
  let cleanup = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(enc.encode(text));
        } catch {
          cleanup();
        }
      };
      const unsubscribe = subscribe((m: TStreamMessage) => send(m.type === 'change' ? `event: change\ndata: ${JSON.stringify(m.event)}\n\n` : 'event: reset\ndata: {}\n\n'));
      const beat = setInterval(() => send(': ping\n\n'), HEARTBEAT_MS);
      const end = setTimeout(() => cleanup(), MAX_STREAM_MS);
      cleanup = () => {
        clearInterval(beat);
        clearTimeout(end);
        unsubscribe();
        cleanup = () => {};
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      signal.addEventListener('abort', () => cleanup(), { once: true });
      send('retry: 2000\nevent: ready\ndata: {}\n\n');
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' },
  });
}

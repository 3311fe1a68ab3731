// A small local alert receiver: accepts any JSON POST (Vakt's webhook, Slack-shaped or Alertmanager
// payloads, Alertmanager's own webhook), keeps it and, as a program, prints one line per notification.
// The demo runs it (scripts/demo.ts) and the alert tests count what it got (tests/alerts).
//   npx tsx scripts/demo/alert-receiver.ts [port]     (default 9099)
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type TReceived = { at: number; path: string; headers: http.IncomingHttpHeaders; body: unknown };
export type TAlertReceiver = { url: string; port: number; received: TReceived[]; stop: () => Promise<void> };

/** `status(n)` answers the n-th request (1-based); default 200. */
export async function startAlertReceiver(opts: { port?: number; status?: (n: number) => number; onReceive?: (r: TReceived) => void } = {}): Promise<TAlertReceiver> {
  const received: TReceived[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = opts.status?.(++n) ?? 200;
      if (status < 300) {
        let body: unknown = null;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = Buffer.concat(chunks).toString('utf8');
        }
        const r = { at: Date.now(), path: req.url ?? '/', headers: req.headers, body };
        received.push(r);
        opts.onReceive?.(r);
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(status < 300 ? '{"ok":true}' : '{"error":"try again"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One line for a notification: Vakt's webhook, Slack-shaped, or an Alertmanager webhook. */
export function describeNotification(body: unknown): string {
  const b = body as { event?: string; alert?: { alertname?: string; severity?: string; cluster?: string | null; context?: string | null; message?: string }; text?: string; status?: string; alerts?: Array<{ labels?: Record<string, string> }> };
  if (b?.alert) return `[${(b.event ?? '?').toUpperCase()}] ${b.alert.alertname} (${b.alert.severity}) ${b.alert.cluster ?? b.alert.context ?? ''}: ${b.alert.message ?? ''}`;
  if (typeof b?.text === 'string') return b.text;
  if (Array.isArray(b?.alerts)) return `[${b.status ?? '?'}] ${b.alerts.map((a) => a.labels?.alertname).join(', ')}`;
  return JSON.stringify(body);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await startAlertReceiver({ port: Number(process.argv[2] ?? 9099), onReceive: (x) => console.log(`${new Date(x.at).toISOString()} ${describeNotification(x.body)}`) });
  console.log(`alert receiver listening on ${r.url} (register it: kind webhook, url ${r.url}/vakt)`);
}

/** The demo's receiver: prints every notification as an `[alerts]` line, registered as webhook receiver `demo-console`. */
export async function startDemoAlertReceiver(opts: { actor: import('@/lib/auth/actor').TActor; say: (m: string) => void }): Promise<TAlertReceiver> {
  const [{ db }, { createReceiver }] = await Promise.all([import('@/lib/base/db'), import('@/lib/alerts/receivers')]);
  const r = await startAlertReceiver({ port: Number(process.env.VAKT_DEMO_ALERT_PORT || 0), onReceive: (x) => opts.say(`[alerts] ${describeNotification(x.body)}`) });
  await db.alertReceiver.deleteMany({ where: { name: 'demo-console' } });
  await createReceiver({ actor: opts.actor, input: { name: 'demo-console', kind: 'webhook', url: `${r.url}/vakt` } });
  return r;
}

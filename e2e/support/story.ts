// Helpers of the incident story (e2e/story.spec.ts): a webhook receiver on loopback, a writer that
// records the rows PostgreSQL acknowledged, a screenshot per step kept as a test artifact, and the
// approval form of a promotion page.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { expect, type Page, type TestInfo } from '@playwright/test';

export type TWebhook = { event: string; alert: { key: string; rule: string; cluster: string | null; summary: string }; receivedAt: number };

/** A tiny HTTP server on 127.0.0.1 that keeps every JSON body POSTed to it, with its arrival time. */
export async function startWebhookReceiver(): Promise<{ url: string; received: TWebhook[]; close: () => Promise<void> }> {
  const received: TWebhook[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        received.push({ ...(JSON.parse(body) as Omit<TWebhook, 'receivedAt'>), receivedAt: Date.now() });
      } catch {
        /* not JSON: not ours */
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/vakt`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * Inserts one row at a time into `table` on `url` until stopped; `acked` holds the ids whose INSERT
 * PostgreSQL acknowledged (a failed insert is not acknowledged and is not retried: its id is skipped).
 */
export function startWriter(url: string, table: string, firstId: number): { acked: number[]; errors: () => number; stop: () => Promise<void> } {
  const acked: number[] = [];
  let errors = 0;
  let stopped = false;
  const run = (async () => {
    let id = firstId;
    let client: pg.Client | null = null;
    while (!stopped) {
      try {
        if (!client) {
          client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
          client.on('error', () => {});
          await client.connect();
        }
        const n = id++;
        await client.query(`INSERT INTO ${table} (id, note) VALUES ($1, 'written during the switchover')`, [n]);
        acked.push(n);
      } catch {
        errors++;
        await client?.end().catch(() => {});
        client = null;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await client?.end().catch(() => {});
  })();
  return {
    acked,
    errors: () => errors,
    stop: async () => {
      stopped = true;
      await run;
    },
  };
}

export type TStateChange = { at: number; state: string };

/**
 * Records in the page, every 50 ms, the value of `expr` (a JS expression over the DOM) each time it
 * changes, with the page's Date.now() (the machine's clock, as the test's). Returns a reader and a
 * waiter for a state.
 */
export async function recordStates(page: Page, expr: string) {
  // each recorder keeps its own list (several may watch one page)
  const key = `__states_${++recorders}`;
  await page.evaluate(
    ([k, src]) => {
      const w = window as unknown as Record<string, TStateChange[]>;
      w[k] = [];
      const read = new Function(`try { return ${src}; } catch { return null; }`) as () => string | null;
      setInterval(() => {
        const v = read() ?? '(none)';
        if (w[k].at(-1)?.state !== v) w[k].push({ at: Date.now(), state: v });
      }, 50);
    },
    [key, expr] as const,
  );
  const states = () => page.evaluate((k) => (window as unknown as Record<string, TStateChange[]>)[k], key);
  return {
    states,
    /** the time `state` was first seen (waits for it) */
    async reached(state: string, timeoutMs = 60_000): Promise<number> {
      await page.waitForFunction(([k, st]) => (window as unknown as Record<string, TStateChange[]>)[k].some((x) => x.state === st), [key, state] as const, { timeout: timeoutMs });
      return (await states()).find((x) => x.state === state)!.at;
    },
  };
}
let recorders = 0;

/** A full-page screenshot of `page`, attached to the test and kept in its output folder (test-results/). */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** Fills the approval form of a promotion page (password, plus the attestation / data-loss acknowledgment when asked) and submits. */
export async function approveInUi(page: Page, password: string) {
  const form = page.getByRole('form', { name: 'Approve' });
  await expect(form).toBeVisible();
  await form.getByLabel('Your password (re-enter to approve)').fill(password);
  const attestation = form.getByLabel(/Attestation/);
  if (await attestation.count()) {
    const hint = await form.getByText(/Type exactly:/).innerText();
    await attestation.fill(hint.replace(/^.*Type exactly:\s*/, '').trim());
  }
  const ack = form.getByLabel(/Acknowledge the data loss/);
  if (await ack.count()) {
    const hint = await form.getByText(/type a number ≥/).innerText();
    await ack.fill(hint.replace(/^.*≥\s*/, '').trim());
  }
  await form.getByRole('button', { name: 'Approve promotion' }).click();
  await expect(form.getByText('Approval recorded.').or(page.getByTestId('promotion-status').getByText(/APPROVED|EXECUTING|COMPLETED/))).toBeVisible();
}

// Support for browser tests that need a real PostgreSQL cluster: the test harness (primary +
// replicas + in-process Vakt agents on 127.0.0.1), an admin API token made with the CLI against the
// e2e database, registration through the public API, and polling helpers with deadlines.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as pwRequest, expect, type APIRequestContext } from '@playwright/test';
import { createPgCluster, type TPgCluster, type TPgNode } from '../../tests/support/pg-cluster';

export const BASE_URL = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3210';

/** `vakt token create` against the e2e database; the token is the last line of stdout. */
export async function createToken(role: 'viewer' | 'operator' | 'admin', prefix = `e2e-${role}`): Promise<string> {
  const dbUrl = process.env.E2E_DATABASE_URL;
  if (!dbUrl) throw new Error('E2E_DATABASE_URL is not set: run the browser tests through `node scripts/e2e.mjs`');
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('npx', ['tsx', 'scripts/vakt.ts', 'token', 'create', '--name', name, '--role', role], { env: { ...process.env, DATABASE_URL: dbUrl }, timeout: 60_000 }, (err, out, errOut) =>
      err ? reject(new Error(`token create failed: ${err.message}\n${errOut}`)) : resolve(out),
    );
  });
  const token = stdout.trim().split('\n').at(-1)?.trim();
  if (!token) throw new Error(`token create printed no token: ${stdout}`);
  return token;
}

/** An API client authenticated with a bearer token. */
export function tokenClient(token: string): Promise<APIRequestContext> {
  return pwRequest.newContext({ baseURL: BASE_URL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
}

/** Polls `check` until it returns a value (not undefined/false), or throws after `timeoutMs` naming what it last saw. */
export async function poll<T>(what: string, check: () => Promise<T | undefined | false>, opts: { timeoutMs?: number; everyMs?: number; describe?: () => string } = {}): Promise<T> {
  const until = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastErr = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${opts.describe ? `; last seen: ${opts.describe()}` : ''}${lastErr ? `; last error: ${lastErr}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 500));
  }
}

export type TRegisteredCluster = { name: string; pg: TPgCluster; primary: string; replica: string };

/** Restarts each node's in-process agent with the settings `env(node)` adds. */
export async function restartAgents(pg: TPgCluster, env: (n: TPgNode) => Record<string, string>) {
  for (const n of pg.nodes) {
    await n.agent!.stop();
    Object.assign(n.agent!.env, env(n));
    await n.agent!.start();
  }
}

/** Agent settings that let Vakt re-point a node (switchover, rejoin): the address others stream from, how it connects to a new upstream. */
export const switchableAgent = (n: TPgNode) => ({ VAKT_AGENT_REPLICATION_ADDRESS: `127.0.0.1:${n.port}`, VAKT_AGENT_REPLICATION_CONNINFO: 'user=postgres' });

/**
 * A primary + one synchronous replica (the seeded declarations use local sync replication), agents
 * in this process (restarted with `agentEnv` when given), registered in Vakt as `name` holding
 * `contexts`. Cleans up the harness if registration fails.
 */
export async function createRegisteredCluster(admin: APIRequestContext, opts: { name: string; contexts: string[]; site?: string; agentEnv?: (n: TPgNode) => Record<string, string> }): Promise<TRegisteredCluster> {
  const site = opts.site ?? 'oslo';
  const primary = `${opts.name}-a`;
  const replica = `${opts.name}-b`;
  const pg = await createPgCluster({ primary: { name: primary, site }, replicas: [{ name: replica, site }], sync: [replica], agents: 'in-process' });
  try {
    if (opts.agentEnv) await restartAgents(pg, opts.agentEnv);
    const res = await admin.post('/api/v1/clusters', {
      data: {
        name: opts.name,
        kind: 'vakt-agent',
        contexts: opts.contexts,
        members: pg.nodes.map((n) => ({ name: n.name, site: n.site, agentUrl: n.agentUrl, agentToken: n.agentToken })),
      },
    });
    expect(res.status(), await res.text()).toBe(201);
    return { name: opts.name, pg, primary, replica };
  } catch (e) {
    await pg.cleanup();
    throw e;
  }
}

type TSafety = { state: string; candidates: Array<{ node: string; verdict: string; reasons: Array<{ code: string }> }> };

export async function getSafety(api: APIRequestContext, cluster: string): Promise<TSafety> {
  const res = await api.get(`/api/v1/clusters/${encodeURIComponent(cluster)}/safety`);
  if (res.status() !== 200) throw new Error(`safety: HTTP ${res.status()} ${await res.text()}`);
  return (await res.json()) as TSafety;
}

/** Until the app's safety view of `cluster` satisfies `ok`. */
export async function waitForSafety(api: APIRequestContext, cluster: string, what: string, ok: (s: TSafety) => boolean, timeoutMs = 45_000): Promise<TSafety> {
  let last = '';
  return poll(
    `${cluster}: ${what}`,
    async () => {
      const s = await getSafety(api, cluster);
      last = `${s.state} ${s.candidates.map((c) => `${c.node}:${c.verdict}(${c.reasons.map((r) => r.code).join(',')})`).join(' ')}`;
      return ok(s) ? s : undefined;
    },
    { timeoutMs, describe: () => last },
  );
}

// Support for the OIDC step-up browser test: a real OpenID provider (panva's oidc-provider, its
// development login and consent pages) on a free loopback port with one client for Vakt and people
// with claims, and a second `next start` of the built app configured to use it (same e2e database,
// worker off: the app started by scripts/e2e.mjs keeps polling).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import { Provider } from 'oidc-provider';
import { getFreePort } from '../../scripts/pglocal/ports';

export type TOidcPerson = { email: string; name: string; vakt_role: string; vakt_teams: string[] };

export type TOidcProvider = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  provider: Provider;
  /** moves the provider's record of when the person behind this `_session` cookie logged in back by `seconds` */
  rewindLogin(sessionCookie: string, seconds: number): Promise<void>;
  close(): Promise<void>;
};

/**
 * The provider: ID tokens carry the profile and email claims (role and teams are profile claims here,
 * as an identity provider's claim mappers would add them) and always `auth_time`. The development
 * login page takes any password; the login name is the account id, which must be one of `people`.
 */
export async function startOidcProvider(opts: { redirectUri: string; people: Record<string, TOidcPerson> }): Promise<TOidcProvider> {
  const port = await getFreePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'vakt-e2e';
  const clientSecret = randomBytes(24).toString('hex');
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [opts.redirectUri], grant_types: ['authorization_code'], response_types: ['code'], require_auth_time: true }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'vakt_role', 'vakt_teams'] },
    conformIdTokenClaims: false,
    // plain http on loopback: SameSite=None (the default for its session cookie) needs Secure, so lax
    cookies: { keys: [randomBytes(32).toString('hex')], long: { httpOnly: true, sameSite: 'lax' } },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      const person = opts.people[sub];
      if (!person) return undefined;
      return { accountId: sub, claims: async () => ({ sub, email_verified: true, ...person }) };
    },
  });
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    issuer,
    clientId,
    clientSecret,
    provider,
    async rewindLogin(sessionCookie, seconds) {
      const session = await provider.Session.find(sessionCookie);
      if (!session?.loginTs) throw new Error('the provider has no logged-in session for this cookie');
      session.loginTs -= seconds;
      await session.persist();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type TOidcApp = { baseURL: string; stop(): Promise<void> };

/** The built app on a free port with VAKT_OIDC_* pointing at `oidc`, against the e2e database. */
export async function startOidcApp(oidc: { issuer: string; clientId: string; clientSecret: string }, port: number, extraEnv: Record<string, string> = {}): Promise<TOidcApp> {
  const baseURL = `http://127.0.0.1:${port}`;
  if (!process.env.E2E_DATABASE_URL) throw new Error('E2E_DATABASE_URL is not set: run the browser tests through `node scripts/e2e.mjs`');
  fs.mkdirSync('.vakt/logs', { recursive: true });
  const logPath = '.vakt/logs/e2e-oidc-app.log';
  const log = fs.openSync(logPath, 'w');
  const env = {
    ...process.env,
    DATABASE_URL: process.env.E2E_DATABASE_URL,
    PORT: String(port),
    NEXTAUTH_URL: baseURL,
    VAKT_WORKER: 'off',
    VAKT_OIDC_ISSUER: oidc.issuer,
    VAKT_OIDC_CLIENT_ID: oidc.clientId,
    VAKT_OIDC_CLIENT_SECRET: oidc.clientSecret,
    ...extraEnv,
  };
  const child: ChildProcess = spawn('./node_modules/.bin/next', ['start', '-p', String(port), '-H', '127.0.0.1'], { env, stdio: ['ignore', log, log], detached: true });
  const stop = async () => {
    if (child.exitCode !== null || !child.pid) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseURL}/api/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the OIDC app did not become healthy (see ${logPath}):\n${fs.readFileSync(logPath, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { baseURL, stop };
}

import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

// Building and running the Next.js app for `npm run demo` and `npm start`.

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const SOURCES = ['app', 'components', 'lib', 'public', 'next.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'prisma/schema.prisma'];
const SKIP = new Set(['node_modules', '.next', 'generated', '.vakt']);

function newestMtime(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a deleted file shows as a newer directory
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    if (SKIP.has(e.name) || /\.test\.tsx?$/.test(e.name)) continue;
    max = Math.max(max, newestMtime(path.join(p, e.name)));
  }
  return max;
}

/** Why a build is needed, or null when .next is newer than every source file. */
export function buildNeeded(root = REPO_ROOT): string | null {
  const id = path.join(root, '.next', 'BUILD_ID');
  if (!fs.existsSync(id)) return 'no build yet';
  const built = fs.statSync(id).mtimeMs;
  const newest = Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))));
  return newest > built ? 'sources changed since the last build' : null;
}

/** `next build`, output to logFile; rejects with the log's tail when it fails. Async: the demo starts its fleet meanwhile. */
export function buildApp(opts: { env: NodeJS.ProcessEnv; logFile: string; root?: string; onChild?: (c: ChildProcess) => void }): Promise<void> {
  const root = opts.root ?? REPO_ROOT;
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const fd = fs.openSync(opts.logFile, 'w');
  const child = spawn(path.join(root, 'node_modules', '.bin', 'next'), ['build'], { cwd: root, env: opts.env, stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  opts.onChild?.(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) return resolve();
      const tail = fs.readFileSync(opts.logFile, 'utf8').trim().split('\n').slice(-25).join('\n');
      reject(new Error(`next build failed (${code ?? signal}); the end of ${opts.logFile}:\n${tail}`));
    });
  });
}

/**
 * Builds when needed. When another `next build` holds .next (e.g. a test run in the same checkout),
 * waits for it and builds again only if its result is still older than the sources.
 */
export async function buildIfNeeded(opts: { env: NodeJS.ProcessEnv; logFile: string; root?: string; onChild?: (c: ChildProcess) => void; say?: (m: string) => void; waitMs?: number }): Promise<'built' | 'up-to-date'> {
  const root = opts.root ?? REPO_ROOT;
  const until = Date.now() + (opts.waitMs ?? 10 * 60_000);
  let waiting = false;
  for (;;) {
    if (!buildNeeded(root)) return 'up-to-date';
    try {
      await buildApp(opts);
      return 'built';
    } catch (e) {
      if (!/Another next build process is already running/.test((e as Error).message) || Date.now() > until) throw e;
      if (!waiting) opts.say?.('another next build is running in this checkout: waiting for it');
      waiting = true;
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}

/** Is something already listening on the port? */
export async function portInUse(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(true)).once('listening', () => s.close(() => resolve(false)));
    s.listen(port);
  });
}

export type TAppProcess = { child: ChildProcess; url: string; stop(): Promise<void>; stopSync(): void };

/**
 * `next start` through ./node_modules/.bin/next (not npx: killing npx leaves next-server holding the
 * port), in its own process group so that stopping it stops everything it started.
 */
export function startApp(opts: { port: number; env: NodeJS.ProcessEnv; host?: string; logFile?: string; root?: string }): TAppProcess {
  const root = opts.root ?? REPO_ROOT;
  const args = ['start', '-p', String(opts.port), ...(opts.host ? ['-H', opts.host] : [])];
  let stdio: ('ignore' | 'inherit' | number)[] = ['ignore', 'inherit', 'inherit'];
  if (opts.logFile) {
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const fd = fs.openSync(opts.logFile, 'a');
    stdio = ['ignore', fd, fd];
  }
  const child = spawn(path.join(root, 'node_modules', '.bin', 'next'), args, { cwd: root, env: opts.env, stdio, detached: true });
  const group = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      /* gone */
    }
  };
  const done = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    url: `http://localhost:${opts.port}`,
    async stop() {
      if (!done()) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        group('SIGTERM');
        const t = setTimeout(() => group('SIGKILL'), 8_000);
        await exited;
        clearTimeout(t);
      }
      group('SIGKILL'); // anything left in the group
    },
    stopSync() {
      group('SIGKILL');
    },
  };
}

/** Waits for GET /api/health to answer 200 (the app is up and its database reachable). */
export async function waitForHealth(url: string, opts: { timeoutMs?: number; child?: ChildProcess } = {}): Promise<void> {
  const until = Date.now() + (opts.timeoutMs ?? 90_000);
  let last = '';
  for (;;) {
    if (opts.child && opts.child.exitCode !== null) throw new Error(`the app exited with code ${opts.child.exitCode} before it was healthy`);
    try {
      const r = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(3000) });
      if (r.ok) return;
      last = `${r.status} ${(await r.text()).slice(0, 200)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > until) throw new Error(`the app was not healthy within ${Math.round((opts.timeoutMs ?? 90_000) / 1000)} s: ${last}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `node scripts/migrate.mjs deploy` against DATABASE_URL (idempotent). */
export function migrate(env: NodeJS.ProcessEnv, root = REPO_ROOT): void {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'migrate.mjs'), 'deploy'], { cwd: root, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`migrations failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-5).join('\n')}`);
}

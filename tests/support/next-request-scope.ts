// Route handlers run inside Next's request scope (next/headers reads it). Outside `next start`, tests
// give them a minimal one without cookies, so next-auth's getServerSession sees a cookie-less client.
// Import this module before any module that loads next/headers.
import { AsyncLocalStorage } from 'node:async_hooks';

(globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage ??= AsyncLocalStorage;

export async function inRequestScope<T>(route: string, fn: () => Promise<T>): Promise<T> {
  const { workAsyncStorage } = await import('next/dist/server/app-render/work-async-storage.external.js');
  const scope = { route, forceStatic: true } as unknown as Parameters<typeof workAsyncStorage.run>[0];
  return workAsyncStorage.run(scope, fn);
}

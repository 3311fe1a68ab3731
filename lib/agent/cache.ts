import type { TAgentContext } from './types.ts';

/** Caches an expensive value for ttlMs; concurrent callers share one in-flight computation. */
export async function cached<T>(ctx: Pick<TAgentContext, 'caches'>, key: string, ttlMs: number, compute: () => Promise<T>): Promise<T> {
  const hit = ctx.caches.get(key);
  const now = Date.now();
  if (hit && !hit.pending && now - hit.at < ttlMs) return hit.value as T;
  if (hit?.pending) return hit.pending as Promise<T>;
  const pending = compute();
  ctx.caches.set(key, { at: hit?.at ?? 0, value: hit?.value, pending });
  try {
    const value = await pending;
    ctx.caches.set(key, { at: Date.now(), value });
    return value;
  } catch (e) {
    if (hit && !hit.pending) ctx.caches.set(key, hit);
    else ctx.caches.delete(key);
    throw e;
  }
}

/** Last value stored under key, however old (undefined when never computed). */
export function lastCached<T>(ctx: Pick<TAgentContext, 'caches'>, key: string): T | undefined {
  return ctx.caches.get(key)?.value as T | undefined;
}

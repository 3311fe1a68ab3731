'use client';
// Small fetch helpers for the promotion components (same-origin JSON; errors carry the API message).
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly fields: Array<{ path: string; message: string }> = []) {
    super(message);
  }
}
export async function api<T>(url: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(url, {
    method: init?.method ?? 'GET',
    headers: init?.body !== undefined ? { 'content-type': 'application/json' } : undefined,
    body: init?.body !== undefined ? JSON.stringify(init.body) : undefined,
    cache: 'no-store',
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, json?.error?.message ?? `HTTP ${res.status}`, json?.error?.details?.fields ?? []);
  return json as T;
}
export const fmtBytes = (n: number | null) => (n === null ? 'unknown' : n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);
export const fmtSeconds = (s: number | null) => (s === null ? 'unknown' : s < 120 ? `${Math.round(s * 10) / 10} s` : `${Math.round(s / 6) / 10} min`);
export const canOperate = (role: string) => role === 'operator' || role === 'admin';

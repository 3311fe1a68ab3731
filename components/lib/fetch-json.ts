// The one browser fetch helper: same-origin JSON, never cached. A failed answer throws an ApiError
// carrying the API's `{error:{code,message,details?}}` (docs/api.md), so forms can mark fields.

export type TApiFieldError = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: TApiFieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Shown instead of the API's message when the session has ended (HTTP 401). */
export const SESSION_ENDED = 'your session has ended: reload the page to sign in again';

type TFetchInit = { method?: string; body?: unknown; signal?: AbortSignal };

/** GET (or `method` with a JSON `body`) and parse the JSON answer; throws ApiError when not ok. */
export async function fetchJson<T>(url: string, init: TFetchInit = {}): Promise<T> {
  const hasBody = init.body !== undefined;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    signal: init.signal,
    headers: { accept: 'application/json', ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    body: hasBody ? JSON.stringify(init.body) : undefined,
    cache: 'no-store',
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    if (res.ok) throw new ApiError(res.status, 'BAD_RESPONSE', `the server answered ${url} with something that is not JSON`);
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: unknown; message?: unknown; details?: { fields?: unknown } } } | null)?.error;
    const code = typeof e?.code === 'string' ? e.code : `HTTP_${res.status}`;
    const message = res.status === 401 ? SESSION_ENDED : typeof e?.message === 'string' && e.message ? e.message : `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    throw new ApiError(res.status, code, message, Array.isArray(e?.details?.fields) ? (e.details.fields as TApiFieldError[]) : []);
  }
  return json as T;
}

/** The text to show for any thrown value (an ApiError's message is the API's). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Does this error mark the field at `path` (422 details.fields)? `true` or undefined, for aria-invalid. */
export function fieldInvalid(e: unknown, path: string): true | undefined {
  return e instanceof ApiError && e.fields.some((f) => f.path === path) ? true : undefined;
}

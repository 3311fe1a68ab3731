// Browser fetch for the live pages: the API's error shape becomes the Error message.
export async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { message?: string } };
      if (body?.error?.message) message = body.error.message;
    } catch {
      /* not JSON */
    }
    if (res.status === 401) message = 'your session has ended: reload the page to sign in again';
    throw new Error(message);
  }
  return (await res.json()) as T;
}

/** Live pages poll every 3 s. */
export const LIVE_POLL_MS = 3000;

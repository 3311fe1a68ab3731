'use client';
import { useEffect, useState } from 'react';

// Shown when a page fails on the server, e.g. while Vakt's own database is unreachable. It checks
// /api/health so the operator sees which it is, and retries by itself.
export default function PageError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const [dbDown, setDbDown] = useState<boolean | null>(null);
  useEffect(() => {
    let stop = false;
    const check = async () => {
      try {
        const h = await (await fetch('/api/health', { cache: 'no-store' })).json();
        if (stop) return;
        setDbDown(!h?.database?.reachable);
        if (h?.database?.reachable) reset();
      } catch {
        if (!stop) setDbDown(true);
      }
    };
    void check();
    const t = setInterval(check, 5000);
    return () => {
      stop = true;
      clearInterval(t);
    };
  }, [reset]);
  return (
    <section className="card narrow" role="alert">
      <h1>{dbDown ? 'Vakt cannot reach its database' : 'This page could not be shown'}</h1>
      <p>
        {dbDown
          ? 'Vakt’s own database is unreachable right now. Nothing is lost: the worker retries with backoff, and this page reloads by itself when the database is back.'
          : 'Something went wrong on the server. The error was logged; try again.'}
      </p>
      <button type="button" className="btn" onClick={() => reset()}>
        Try again
      </button>
    </section>
  );
}

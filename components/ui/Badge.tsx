import type { ReactNode } from 'react';

export type TBadgeTone = 'ok' | 'warning' | 'error' | 'info' | 'unknown';

/** A small pill; the tone maps to the .badge.{tone} classes of globals.css. */
export function Badge({ tone, children, title }: { tone: TBadgeTone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge ${tone}`} title={title}>
      {children}
    </span>
  );
}

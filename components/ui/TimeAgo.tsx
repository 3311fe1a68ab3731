import { formatAgo, formatUtc } from '@/components/lib/format';

// Server-rendered relative time ("3 h ago") with the exact UTC time as tooltip and machine-readable attribute.
// Rendered once on the server, so no hydration mismatch; use only in server components.

export function TimeAgo({ date, now, exact = false }: { date: Date | string | null | undefined; now: Date; exact?: boolean }) {
  if (!date) return <span className="muted">never</span>;
  const d = typeof date === 'string' ? new Date(date) : date;
  return (
    <time dateTime={d.toISOString()} title={formatUtc(d)}>
      {exact ? formatUtc(d) : formatAgo(d, now)}
    </time>
  );
}

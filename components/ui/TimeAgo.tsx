// Server-rendered relative time ("3 h ago") with the exact UTC time as tooltip and machine-readable attribute.
// Rendered once on the server, so no hydration mismatch; use only in server components.

const units: [number, string][] = [
  [365 * 24 * 3600, 'y'],
  [30 * 24 * 3600, 'mo'],
  [24 * 3600, 'd'],
  [3600, 'h'],
  [60, 'min'],
];

export function formatAgo(date: Date, now: Date): string {
  const s = Math.round((now.getTime() - date.getTime()) / 1000);
  if (s < 0) return 'in the future';
  if (s < 45) return 'just now';
  for (const [size, unit] of units) if (s >= size) return `${Math.floor(s / size)} ${unit} ago`;
  return `${s} s ago`;
}

export const formatUtc = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

export function TimeAgo({ date, now, exact = false }: { date: Date | string | null | undefined; now: Date; exact?: boolean }) {
  if (!date) return <span className="muted">never</span>;
  const d = typeof date === 'string' ? new Date(date) : date;
  return (
    <time dateTime={d.toISOString()} title={formatUtc(d)}>
      {exact ? formatUtc(d) : formatAgo(d, now)}
    </time>
  );
}

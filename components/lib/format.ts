// The one set of human-friendly formatters for pages (client and server): bytes, durations, ages,
// times, percentages. Bytes are always binary units (1 KiB = 1024 B). Empty values show `missing`
// ("—" by default; the promotion pages pass "unknown").

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

const isNumber = (n: number | null | undefined): n is number => n !== null && n !== undefined && Number.isFinite(n);

/** 0 B, 812 B, 1.5 KiB, 23 MiB, 1.2 GiB (powers of 1024; one decimal under 10, else whole). */
export function formatBytes(n: number | null | undefined, missing = '—'): string {
  if (!isNumber(n)) return missing;
  if (n < 0) return `-${formatBytes(-n)}`;
  let v = n;
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v < 10 ? v.toFixed(1) : Math.round(v)} ${BYTE_UNITS[i]}`;
}

/** 0.004 s → "4 ms", 12.3 → "12.3 s", 75 → "1 min 15 s", 7300 → "2 h 1 min", 200000 → "2 d 7 h". */
export function formatDuration(seconds: number | null | undefined, missing = '—'): string {
  if (!isNumber(seconds)) return missing;
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  if (seconds === 0) return '0 s';
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))} ms`;
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toString()} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const s = Math.round(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m ? `${h} h ${m} min` : `${h} h`;
  const rest = s % 60;
  return rest ? `${m} min ${rest} s` : `${m} min`;
}

/** A configured bound in seconds, exactly, in its largest whole unit: 0 s, 90 s, 15 min, 4 h, 1 d. */
export function formatBound(s: number): string {
  if (s === 0) return '0 s';
  if (s % 86400 === 0) return `${s / 86400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

/** Precise age for live telemetry, from seconds: "now", "4 s ago", "3 min 5 s ago" ("never" when unknown). */
export function formatAge(seconds: number | null | undefined): string {
  if (!isNumber(seconds)) return 'never';
  if (seconds < 1) return 'now';
  return `${formatDuration(Math.round(seconds))} ago`;
}

/** Age in seconds of an ISO time (null when missing or unparsable). */
export function ageSeconds(iso: string | null | undefined, nowMs: number = Date.now()): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? Math.max(0, (nowMs - t) / 1000) : null;
}

const AGO_UNITS: [number, string][] = [
  [365 * 24 * 3600, 'y'],
  [30 * 24 * 3600, 'mo'],
  [24 * 3600, 'd'],
  [3600, 'h'],
  [60, 'min'],
];

/** Coarse age for stored records (server-rendered): "just now", "3 h ago", "2 mo ago". */
export function formatAgo(date: Date, now: Date): string {
  const s = Math.round((now.getTime() - date.getTime()) / 1000);
  if (s < 0) return 'in the future';
  if (s < 45) return 'just now';
  for (const [size, unit] of AGO_UNITS) if (s >= size) return `${Math.floor(s / size)} ${unit} ago`;
  return `${s} s ago`;
}

/** "2026-01-01 12:04:05 UTC" */
export const formatUtc = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** "12:04:05" local wall-clock time for chart axes and event lists. */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString('en-GB', { hour12: false });
}

/** "2026-01-02 15:04:05" local date and time (browser only: the server's zone may differ). */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** 42.3 % (one decimal under 10 %, else whole). */
export function formatPercent(p: number | null | undefined): string {
  if (!isNumber(p)) return '—';
  return p < 10 ? `${p.toFixed(1)} %` : `${Math.round(p)} %`;
}

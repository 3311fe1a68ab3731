// Human-friendly numbers for the fleet and cluster pages (client and server). components/ui has
// formatAgo/TimeAgo for coarse server-rendered times ("3 h ago"); live telemetry needs seconds.

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** 0 B, 812 B, 1.5 kB, 23 MB, 1.2 GB (powers of 1024, PostgreSQL's pg_size_pretty style). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
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
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
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

/** How long ago, from an age in seconds: "now", "4 s ago", "3 min ago". */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'never';
  if (seconds < 1) return 'now';
  return `${formatDuration(Math.round(seconds))} ago`;
}

/** Age in seconds of an ISO time (null when missing or unparsable). */
export function ageSeconds(iso: string | null | undefined, nowMs: number = Date.now()): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? Math.max(0, (nowMs - t) / 1000) : null;
}

/** 42.3 % (one decimal under 10 %, else whole). */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return p < 10 ? `${p.toFixed(1)} %` : `${Math.round(p)} %`;
}

/** "12:04:05" local wall-clock time for chart axes and event lists. */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString('en-GB', { hour12: false });
}

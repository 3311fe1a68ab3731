// Small pieces shared by the benchmarks (bench:poller, bench:web).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';

/** One statement on the admin connection (CREATE / DROP DATABASE). */
export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A markdown table on stdout (the form the README records). */
export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log('\n' + line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

/** `f` run at most once; later calls get the first call's promise (cleanup from several exits). */
export function once(f: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= f());
}

/** CPU time (user + system, ms) a process has used, from /proc (Linux); null elsewhere or when it is gone. */
export function processCpuMs(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100;

/**
 * CPU time used so far by this process, by another process (the simulated fleet) and by the
 * PostgreSQL backends connected to `database` (the server's background writers are not counted).
 * CPU time, unlike wall time, hardly depends on what else the machine runs.
 */
export function cpuMeter(o: { adminUrl: string; database: string; otherPid?: number }) {
  const url = Object.assign(new URL(o.adminUrl), { pathname: `/${o.database}` }).toString();
  let client: pg.Client | null = null;
  return {
    async read(): Promise<{ self: number; other: number | null; pg: number | null }> {
      if (!client) {
        client = new pg.Client({ connectionString: url, application_name: 'vakt-bench-cpu' });
        await client.connect();
      }
      const { rows } = await client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [o.database]);
      const backends = rows.map((r) => processCpuMs(r.pid));
      const u = process.cpuUsage();
      return {
        self: (u.user + u.system) / 1000,
        other: o.otherPid ? processCpuMs(o.otherPid) : null,
        pg: backends.some((b) => b === null) && !backends.some((b) => b !== null) ? null : backends.reduce<number>((a, b) => a + (b ?? 0), 0),
      };
    },
    async close() {
      await client?.end();
      client = null;
    },
  };
}

/** Samples the 1-minute load average every second from now on; `summary()` says its range and median so far (the figures are only comparable with the load they ran under). */
export function loadSampler(): { summary: () => string; stop: () => void } {
  const xs: number[] = [os.loadavg()[0]];
  const timer = setInterval(() => xs.push(os.loadavg()[0]), 1000);
  timer.unref();
  return {
    summary: () => {
      const s = [...xs].sort((a, b) => a - b);
      return `load average (1 min) during the run: ${s[0].toFixed(1)}–${s[s.length - 1].toFixed(1)}, median ${s[Math.floor(s.length / 2)].toFixed(1)} (${os.availableParallelism()} CPUs)`;
    },
    stop: () => clearInterval(timer),
  };
}

// The simulated fleet shared by the benchmarks (bench:poller, bench:web) and the fleet-scale seed
// (seed:fleet): one HTTP server in its own process (./fake-fleet-server.ts) answering for any number
// of fake Vakt agents at <url>/a/<i>, clusters of 3 (node 3c is the primary of cluster c; 3c and
// 3c+1 in site oslo, 3c+2 in bergen), named n<i>.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** the agents' bearer token (a benchmark secret, not a real one) */
export const FLEET_TOKEN = 'bench-token-0123456789';
/** the port seed:fleet points members at, and bench:web starts the fleet on */
export const FLEET_PORT = 7411;

export const fleetNode = (i: number) => ({ name: `n${i}`, site: i % 3 === 2 ? 'bergen' : 'oslo', role: i % 3 === 0 ? ('primary' as const) : ('replica' as const) });
export const fleetAgentUrl = (base: string, i: number) => `${base.replace(/\/+$/, '')}/a/${i}`;

export type TSimulatedFleet = {
  url: string;
  port: number;
  /** PostgreSQL of node i stops (its agent still answers: reachable false) or starts again */
  setPostgres(i: number, running: boolean): Promise<void>;
  stop(): void;
  child: ChildProcess;
};

/** Start the fleet server on `port` (0 = any free port); resolves once it listens. */
export function startSimulatedFleet(o: { port?: number; token?: string } = {}): Promise<TSimulatedFleet> {
  const token = o.token ?? FLEET_TOKEN;
  // `node --import tsx`: the server is this child itself (IPC disconnect ends it if we die)
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fake-fleet-server.ts'), token, String(o.port ?? 0)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (!m) return;
      const port = Number(m[1]);
      const url = `http://127.0.0.1:${port}`;
      resolve({
        url,
        port,
        child,
        stop: () => void child.kill('SIGTERM'),
        async setPostgres(i, running) {
          const r = await fetch(`${url}/control/${i}/postgres-${running ? 'up' : 'down'}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
          if (r.status !== 204) throw new Error(`fleet control answered ${r.status}`);
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`fleet server exited (${code})`)));
  });
}

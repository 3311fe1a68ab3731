// Benchmark fleet: one HTTP server (its own process) answering for N fake Vakt agents under path
// prefixes: GET /a/<i>/v1/status. Clusters of 3 (node 3c is the primary of cluster c, 3c+1 and 3c+2
// its replicas). Payloads change: the primary's LSN advances with time, replica lag varies.
// Prints {"port": N} on stdout once listening. Usage: tsx scripts/bench/fake-fleet-server.ts <token> [port]
// Control (same bearer token): POST /control/<i>/postgres-down makes node i's agent report
// PostgreSQL unreachable (a stopped primary), POST /control/<i>/postgres-up brings it back.
// Start it through ./fleet.ts (startSimulatedFleet).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const token = process.argv[2] ?? 'bench-token';
const port = Number(process.argv[3] ?? 0);
/** nodes whose PostgreSQL is "stopped" (the agent answers, PostgreSQL is not reachable) */
const stopped = new Set<number>();
const started = Date.now();
const startedIso = new Date(started).toISOString();
const hex = (n: number) => `${Math.floor(n / 2 ** 32).toString(16).toUpperCase()}/${(n % 2 ** 32).toString(16).toUpperCase()}`;

const header = (i: number, iso: string) => ({
  protocol: 'vakt.agent/v1',
  agent: { name: `n${i}`, version: 'bench', startedAt: startedIso },
  collectedAt: iso,
  node: { name: `n${i}`, site: i % 3 === 2 ? 'bergen' : 'oslo' },
});

function status(i: number) {
  if (stopped.has(i)) return stoppedStatus(i);
  const c = Math.floor(i / 3);
  const now = Date.now();
  const t = (now - started) / 1000;
  const primaryLsn = 0x3000000 + Math.floor(t * (20_000 + (c % 50) * 1000)) + c * 4096;
  const lagOf = (j: number) => Math.floor(2000 + 1500 * Math.sin(t / 3 + j) + (j % 7) * 500);
  const role = i % 3 === 0 ? 'primary' : 'replica';
  const iso = new Date(now).toISOString();
  const replicas = [3 * c + 1, 3 * c + 2];
  return {
    ...header(i, iso),
    postgres: {
      reachable: true,
      serverVersion: '15.6',
      systemIdentifier: String(7_000_000_000_000_000_000n + BigInt(c)),
      role,
      timeline: 1,
      currentLsn: role === 'primary' ? hex(primaryLsn) : null,
      receiveLsn: role === 'replica' ? hex(primaryLsn - Math.floor(lagOf(i) / 4)) : null,
      replayLsn: role === 'replica' ? hex(primaryLsn - lagOf(i)) : null,
      lastReplayAt: role === 'replica' ? iso : null,
      walReceiver: role === 'replica' ? { status: 'streaming', senderHost: '10.0.0.1', senderPort: 5432, receivedTimeline: 1, flushedLsn: hex(primaryLsn - 100), lastMsgReceiptTime: iso, slotName: `slot_${i}` } : null,
      replication:
        role === 'primary'
          ? replicas.map((j) => ({
              applicationName: `n${j}`,
              clientAddr: '10.0.0.2',
              state: 'streaming',
              syncState: j % 3 === 1 ? 'sync' : 'async',
              sentLsn: hex(primaryLsn),
              writeLsn: hex(primaryLsn - 10),
              flushLsn: hex(primaryLsn - 20),
              replayLsn: hex(primaryLsn - lagOf(j)),
              writeLagSeconds: 0.001,
              flushLagSeconds: 0.002,
              replayLagSeconds: Math.round((lagOf(j) / 20_000) * 1000) / 1000,
              replayLagBytes: lagOf(j),
            }))
          : [],
      archiver: { archivedCount: Math.floor(t), lastArchivedWal: '000000010000000000000003', lastArchivedAt: iso, failedCount: 0, lastFailedWal: null, lastFailedAt: null },
      settings: { synchronousStandbyNames: 'FIRST 1 (*)', synchronousCommit: 'on', serverSynchronousCommit: 'on', synchronousCommitOverrides: [], archiveMode: 'on', fsync: true, fullPageWrites: true, dataChecksums: true },
      databases: [{ name: 'app', bytes: 1_000_000_000 + c }],
    },
    storage: { totalBytes: 500e9, freeBytes: 200e9 - (t * 1000 + i), dataBytes: 1e9 },
    backups: null,
    fencing: { epoch: 0, fenced: false },
  };
}

function stoppedStatus(i: number) {
  return {
    ...header(i, new Date().toISOString()),
    postgres: { reachable: false, error: 'connection refused (PostgreSQL stopped)', role: 'unknown' },
    storage: { totalBytes: 500e9, freeBytes: 200e9, dataBytes: 1e9 },
    backups: null,
    fencing: { epoch: 0, fenced: false },
  };
}

const server = http.createServer((req, res) => {
  const ctl = /^\/control\/(\d+)\/postgres-(down|up)$/.exec(req.url ?? '');
  if (ctl && req.method === 'POST') {
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
    if (ctl[2] === 'down') stopped.add(Number(ctl[1]));
    else stopped.delete(Number(ctl[1]));
    return void res.writeHead(204).end();
  }
  const m = /^\/a\/(\d+)\/v1\/status$/.exec(req.url ?? '');
  if (!m) return void res.writeHead(404).end();
  if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
  const body = JSON.stringify(status(Number(m[1])));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));

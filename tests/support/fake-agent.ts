import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TAgentStatus } from '@/lib/agent/protocol';
import { bytesToLsn, type TNodeRole } from '@/lib/pg';

// A fake fleet of Vakt agents on one loopback port for poller tests: each node answers under its own
// path prefix (http://127.0.0.1:PORT/<node>/v1/status) with a behaviour that tests can switch.
export type TFakeBehaviour = 'ok' | 'garbage' | 'http500' | 'hang' | 'wrong-name';
export type TFakeRole = Exclude<TNodeRole, 'unknown'>;
export type TFakeNode = {
  name: string;
  site: string;
  role: TFakeRole;
  timeline: number;
  lsn: number;
  behaviour: TFakeBehaviour;
  fenced?: boolean;
  epoch?: number;
  /** this agent's clock runs this many ms ahead (negative: behind) of the real one: its collectedAt shows it */
  clockOffsetMs?: number;
};
export type TFakeFleet = {
  url(node: string): string;
  token: string;
  nodes: Map<string, TFakeNode>;
  set(node: string, patch: Partial<TFakeNode>): void;
  hits: Map<string, number>;
  close(): Promise<void>;
};

const hex = bytesToLsn;

export function fakeStatus(n: TFakeNode, all: TFakeNode[]): TAgentStatus {
  const now = new Date(Date.now() + (n.clockOffsetMs ?? 0)).toISOString();
  const primary = n.role === 'primary';
  return {
    protocol: 'vakt.agent/v1',
    agent: { name: n.behaviour === 'wrong-name' ? `${n.name}-impostor` : n.name, version: 'fake', startedAt: now },
    collectedAt: now,
    node: { name: n.behaviour === 'wrong-name' ? `${n.name}-impostor` : n.name, site: n.site },
    postgres: {
      reachable: true,
      serverVersion: '15.6',
      systemIdentifier: '7000000000000000001',
      role: n.role,
      timeline: n.timeline,
      currentLsn: primary ? hex(n.lsn) : null,
      receiveLsn: primary ? null : hex(n.lsn),
      replayLsn: primary ? null : hex(n.lsn),
      lastReplayAt: primary ? null : now,
      replication: primary
        ? all
            .filter((r) => r.role === 'replica' && r.name !== n.name)
            .map((r) => ({
              applicationName: r.name,
              clientAddr: '127.0.0.1',
              state: 'streaming',
              syncState: 'async',
              sentLsn: hex(n.lsn),
              writeLsn: hex(n.lsn),
              flushLsn: hex(n.lsn),
              replayLsn: hex(r.lsn),
              writeLagSeconds: 0.001,
              flushLagSeconds: 0.002,
              replayLagSeconds: 0.5,
              replayLagBytes: Math.max(0, n.lsn - r.lsn),
            }))
        : [],
      archiver: null,
      settings: {
        synchronousStandbyNames: '',
        synchronousCommit: 'on',
        serverSynchronousCommit: 'on',
        synchronousCommitOverrides: [],
        archiveMode: 'off',
        fsync: true,
        fullPageWrites: true,
        dataChecksums: true,
      },
    },
    storage: { totalBytes: 100e9, freeBytes: 40e9, dataBytes: 1e9 },
    backups: null,
    fencing: { epoch: n.epoch ?? 0, fenced: n.fenced ?? false },
  };
}

export async function startFakeFleet(nodes: (Partial<TFakeNode> & { name: string; site: string; role: TFakeRole })[]): Promise<TFakeFleet> {
  const token = 'fake-token-0123456789';
  const map = new Map<string, TFakeNode>();
  for (const n of nodes) {
    map.set(n.name, { timeline: 1, lsn: 0x3000000, behaviour: 'ok', ...n });
  }
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const m = /^\/([^/]+)\/v1\/status$/.exec(req.url ?? '');
    const n = m ? map.get(m[1]) : undefined;
    if (!n) {
      res.writeHead(404).end();
      return;
    }
    hits.set(n.name, (hits.get(n.name) ?? 0) + 1);
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end('{"error":{"code":"UNAUTHENTICATED","message":"bad token"}}');
      return;
    }
    switch (n.behaviour) {
      case 'garbage':
        res.end('<html>definitely not json');
        return;
      case 'http500':
        res.writeHead(500).end('{"error":"boom"}');
        return;
      case 'hang':
        return; // never answers
      default:
        n.lsn += 1000;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(fakeStatus(n, [...map.values()])));
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (node) => `http://127.0.0.1:${port}/${node}`,
    token,
    nodes: map,
    hits,
    set(node, patch) {
      Object.assign(map.get(node)!, patch);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// A real Alertmanager (/usr/bin/prometheus-alertmanager, apt prometheus-alertmanager) on a free
// loopback port, clustering off, routing every alert to one webhook URL: group per alert, notify at
// once, never repeat a notification within the test (repeat_interval 1h), send resolved ones.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getFreePort } from '@/scripts/pglocal/ports';
import { waitFor } from '../support/pg-cluster';

export const ALERTMANAGER_BIN = process.env.VAKT_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

export type TAlertmanager = { url: string; stop: () => Promise<void>; log: () => string };

export async function startAlertmanager(webhookUrl: string): Promise<TAlertmanager> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vakt-am-'));
  const port = await getFreePort();
  fs.writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: test',
      "  group_by: ['alertname', 'cluster', 'context', 'member']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: test',
      '    webhook_configs:',
      `      - url: ${webhookUrl}`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  const logFile = path.join(dir, 'alertmanager.log');
  const out = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=info'],
    { stdio: ['ignore', out, out] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/-/ready`).catch(() => null))?.ok === true, 20_000, 'alertmanager ready', 100);
  return {
    url,
    log: () => fs.readFileSync(logFile, 'utf8'),
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

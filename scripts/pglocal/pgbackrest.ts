import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { TPgBinaries } from './binaries.ts';
import { IS_ROOT } from './run-as.ts';

// A pgBackRest repository under a local cluster's base dir (the demo's state dir, a harness
// cluster's temp dir), for the primary. Everything runs as the OS user that owns the clusters
// (postgres when we are root). The config file is passed with --config, so nothing under /etc is
// touched. pgBackRest itself comes from the OS (Debian: `apt-get install -y pgbackrest`); see
// ensurePgBackRest().

export type TPgBackRest = {
  stanza: string;
  configPath: string;
  repoPath: string;
  /** for archive_command */
  archiveCommand: string;
  stanzaCreate(): Promise<void>;
  backup(opts?: { type?: 'full' | 'diff' | 'incr' }): Promise<void>;
  /** raw `pgbackrest info --output=json` */
  info(): Promise<unknown>;
  /** runs pgbackrest with the config and stanza prepended */
  run(args: string[], timeoutMs?: number): Promise<string>;
};

export function pgBackRestBinary(): string | null {
  for (const p of ['/usr/bin/pgbackrest', '/usr/local/bin/pgbackrest']) if (fs.existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v pgbackrest'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Installs pgBackRest from apt when missing and we are root (CI on a clean machine); throws otherwise. */
export function ensurePgBackRest(): string {
  let bin = pgBackRestBinary();
  if (bin) return bin;
  if (IS_ROOT && fs.existsSync('/usr/bin/apt-get')) {
    execFileSync('apt-get', ['install', '-y', '-q', 'pgbackrest'], { stdio: 'ignore', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    bin = pgBackRestBinary();
    if (bin) return bin;
  }
  throw new Error('pgbackrest is not installed (Debian: apt-get update && apt-get install -y pgbackrest)');
}

export function configurePgBackRest(o: {
  baseDir: string;
  stanza: string;
  primary: { dataDir: string; port: number; socketDir: string };
  bin: TPgBinaries;
}): TPgBackRest {
  const pgbackrest = ensurePgBackRest();
  const dir = path.join(o.baseDir, 'pgbackrest');
  const repoPath = path.join(dir, 'repo');
  const configPath = path.join(dir, 'pgbackrest.conf');
  for (const d of [dir, repoPath, path.join(dir, 'log'), path.join(dir, 'lock'), path.join(dir, 'spool')]) fs.mkdirSync(d, { recursive: true, mode: 0o750 });
  fs.writeFileSync(
    configPath,
    [
      '[global]',
      `repo1-path=${repoPath}`,
      'repo1-retention-full=2',
      `log-path=${path.join(dir, 'log')}`,
      `lock-path=${path.join(dir, 'lock')}`,
      `spool-path=${path.join(dir, 'spool')}`,
      'log-level-console=warn',
      'log-level-file=off',
      'start-fast=y',
      'compress-type=none',
      'archive-check=y',
      '',
      `[${o.stanza}]`,
      `pg1-path=${o.primary.dataDir}`,
      `pg1-port=${o.primary.port}`,
      `pg1-socket-path=${o.primary.socketDir}`,
      'pg1-user=postgres',
      '',
    ].join('\n'),
  );
  if (IS_ROOT) execFileSync('chown', ['-R', 'postgres:postgres', dir]);

  const run = (args: string[], timeoutMs = 120_000): Promise<string> => {
    const full = [`--config=${configPath}`, `--stanza=${o.stanza}`, ...args];
    const [cmd, cmdArgs] = IS_ROOT ? ['runuser', ['-u', 'postgres', '--', pgbackrest, ...full]] : [pgbackrest, full];
    return new Promise((resolve, reject) => {
      import('node:child_process').then(({ execFile }) =>
        execFile(cmd, cmdArgs, { timeout: timeoutMs, encoding: 'utf8', cwd: '/', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`pgbackrest ${args.join(' ')} failed: ${String(stderr || stdout || err.message).trim().slice(-2000)}`));
          else resolve(stdout);
        }),
      );
    });
  };

  return {
    stanza: o.stanza,
    configPath,
    repoPath,
    archiveCommand: `${pgbackrest} --config=${configPath} --stanza=${o.stanza} archive-push %p`,
    async stanzaCreate() {
      await run(['stanza-create']);
    },
    async backup(opts = {}) {
      await run(['backup', `--type=${opts.type ?? 'full'}`], 300_000);
    },
    async info() {
      return JSON.parse(await run(['--output=json', 'info']));
    },
    run,
  };
}

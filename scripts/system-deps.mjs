// Checks the system programs Vakt's test suites and demo need; installs the missing ones with
// apt-get when running as root on Debian/Ubuntu, else stops naming them and how to install them.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const PG_BIN = process.env.VAKT_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export const REQUIREMENTS = [
  { name: 'Chromium (browser tests)', ok: () => Boolean(chromiumPath()), apt: ['chromium'] },
  { name: 'PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup, pg_rewind)', ok: () => ['initdb', 'pg_ctl', 'pg_basebackup', 'pg_rewind'].every((b) => existsSync(`${PG_BIN}/${b}`)), apt: ['postgresql-15'] },
  { name: 'psql', ok: () => which('psql'), apt: ['postgresql-client-15'] },
  { name: 'pgBackRest', ok: () => which('pgbackrest'), apt: ['pgbackrest'] },
  { name: 'Patroni', ok: () => which('patroni'), apt: ['patroni'] },
  { name: 'etcd', ok: () => which('etcd') || existsSync('/usr/bin/etcd'), apt: ['etcd-server', 'etcd-client'] },
  { name: 'faketime / libfaketime (clock-skew tests)', ok: () => which('faketime') && libfaketimeFound(), apt: ['faketime'] },
  { name: 'promtool (metrics and alerting-rule tests)', ok: () => which('promtool'), apt: ['prometheus'] },
  { name: 'Alertmanager (alert delivery tests)', ok: () => existsSync('/usr/bin/prometheus-alertmanager'), apt: ['prometheus-alertmanager'] },
];

// the preload library the clock-skew tests use (tests/support/pg-cluster.ts faketimeEnv)
function libfaketimeFound() {
  if (process.env.VAKT_TEST_LIBFAKETIME) return existsSync(process.env.VAKT_TEST_LIBFAKETIME);
  return spawnSync('sh', ['-c', 'ls /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 /usr/local/lib/faketime/libfaketime.so.1 2>/dev/null | grep -q .'], { stdio: 'ignore' }).status === 0;
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function chromiumPath() {
  for (const p of [process.env.VAKT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (p && existsSync(p)) return p;
  }
  return null;
}

export function ensureSystemDeps({ install = true } = {}) {
  let missing = REQUIREMENTS.filter((r) => !r.ok());
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.flatMap((m) => m.apt))];
  const canApt = install && process.getuid?.() === 0 && which('apt-get');
  if (canApt) {
    console.log(`[deps] installing with apt-get: ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const opts = { stdio: 'inherit', env };
    spawnSync('apt-get', ['update', '-qq'], opts);
    // the packaged services must not start on their own (the machine's PostgreSQL already runs; our
    // tests start etcd and Patroni themselves on free ports)
    spawnSync('sh', ['-c', 'printf "#!/bin/sh\\nexit 101\\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'], opts);
    const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], opts);
    spawnSync('rm', ['-f', '/usr/sbin/policy-rc.d'], opts);
    if (r.status !== 0) console.error('[deps] apt-get install failed');
    missing = REQUIREMENTS.filter((m) => !m.ok());
  }
  if (missing.length) {
    console.error('\nMissing system programs needed by the test suites:');
    for (const m of missing) console.error(`  - ${m.name}: install with  sudo apt-get install -y ${m.apt.join(' ')}`);
    console.error('(Or point VAKT_CHROMIUM / VAKT_PG_BIN at existing installations.)');
    process.exit(3);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureSystemDeps();
  console.log('[deps] all system programs present');
}

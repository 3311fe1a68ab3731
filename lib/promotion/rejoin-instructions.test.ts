import { describe, expect, it } from 'vitest';
import { rejoinInstructions, repointInstructions } from './rejoin-instructions';

describe('rejoinInstructions', () => {
  const cases = [
    {
      name: 'known data directory and source address: exact pg_rewind and pg_basebackup commands',
      input: { node: 'oslo-1', dataDir: '/var/lib/postgresql/15/main', source: { node: 'bergen-1', host: '10.1.0.11', port: 5433 } },
      rewind: "pg_rewind --target-pgdata=/var/lib/postgresql/15/main --source-server='host=10.1.0.11 port=5433 user=postgres dbname=postgres' --progress --write-recovery-conf",
      steps: 3,
    },
    {
      name: 'unknown data directory and host: placeholders, default port',
      input: { node: 'a', source: { node: 'b', host: null } },
      rewind: "pg_rewind --target-pgdata='$PGDATA' --source-server='host=<host of b> port=5432 user=postgres dbname=postgres' --progress --write-recovery-conf",
      steps: 3,
    },
    {
      name: 'pg_bin prefix is used',
      input: { node: 'a', dataDir: '/d', pgBin: '/usr/lib/postgresql/15/bin/', source: { node: 'b', host: 'h', port: 1 } },
      rewind: "/usr/lib/postgresql/15/bin/pg_rewind --target-pgdata=/d --source-server='host=h port=1 user=postgres dbname=postgres' --progress --write-recovery-conf",
      steps: 3,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = rejoinInstructions(c.input);
      expect(r.steps).toHaveLength(c.steps);
      expect(r.steps[0].command).toBe(c.rewind);
      expect(r.steps[1].command).toContain('pg_basebackup');
      expect(r.steps[1].command).toContain('--write-recovery-conf');
    });
  }

  it('without rewind support only the base backup is offered', () => {
    const r = rejoinInstructions({ node: 'a', dataDir: '/d', rewindPossible: false, source: { node: 'b', host: 'h', port: 2 } });
    expect(r.steps.map((s) => s.command.split(' ')[0])).toEqual(['mv', 'pg_ctl']);
    expect(r.steps[0].command).toBe("mv /d /d.old && pg_basebackup --pgdata=/d --dbname='host=h port=2 user=postgres dbname=postgres' --wal-method=stream --write-recovery-conf --checkpoint=fast --progress");
    expect(r.note).toMatch(/cannot be rewound/);
  });

  it('quotes a data directory with spaces', () => {
    const r = rejoinInstructions({ node: 'a', dataDir: "/srv/pg data/it's", source: { node: 'b', host: 'h' } });
    expect(r.steps[0].command).toContain(`--target-pgdata='/srv/pg data/it'\\''s'`);
  });
});

describe('repointInstructions', () => {
  it('known source: exact ALTER SYSTEM statements, reload and the check', () => {
    const r = repointInstructions({ node: 'oslo-3', source: { node: 'bergen-1', host: '10.1.0.11', port: 5433 }, timeline: 2 });
    expect(r).toMatchObject({ node: 'oslo-3', source: 'bergen-1' });
    expect(r.steps.map((s) => s.command)).toEqual([
      "ALTER SYSTEM SET primary_conninfo = 'host=10.1.0.11 port=5433 user=postgres application_name=oslo-3';\nALTER SYSTEM RESET primary_slot_name;\nSELECT pg_reload_conf();",
      'SELECT status, sender_host, sender_port, received_tli FROM pg_stat_wal_receiver;',
    ]);
    expect(r.steps[1].title).toBe('Check on oslo-3: status streaming from 10.1.0.11:5433 on timeline 2');
    expect(r.note).toContain('PostgreSQL 12 needs a restart: pg_ctl restart -D \'$PGDATA\'.');
  });

  it('unknown host and port: placeholder and default port; pg_bin and data directory in the restart hint', () => {
    const r = repointInstructions({ node: 'a', source: { node: 'b', host: null, user: 'repl' }, pgBin: '/usr/lib/postgresql/15/bin/', dataDir: '/d' });
    expect(r.steps[0].command.split('\n')[0]).toBe("ALTER SYSTEM SET primary_conninfo = 'host=''<host of b>'' port=5432 user=repl application_name=a';");
    expect(r.steps[1].title).toBe('Check on a: status streaming from <host of b>:5432 on the new timeline');
    expect(r.note).toContain('PostgreSQL 12 needs a restart: /usr/lib/postgresql/15/bin/pg_ctl restart -D /d.');
  });
});

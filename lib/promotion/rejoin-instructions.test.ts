import { describe, expect, it } from 'vitest';
import { rejoinInstructions } from './rejoin-instructions';

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

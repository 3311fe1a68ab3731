// How a fenced (or diverged) old primary rejoins as a replica of the current primary. Pure: the
// panel shows these exact commands next to a member marked "needs rebuild".

export type TRejoinInput = {
  /** the member to rebuild */
  node: string;
  /** its PostgreSQL data directory, when known (else a placeholder the operator fills in) */
  dataDir?: string | null;
  /** the current primary to rebuild from */
  source: { node: string; host: string | null; port?: number | null; user?: string | null };
  /** pg_rewind needs wal_log_hints=on or data checksums on the old primary; unknown = offer both */
  rewindPossible?: boolean | null;
  pgBin?: string | null;
};

export type TRejoinInstructions = {
  node: string;
  source: string;
  steps: Array<{ title: string; command: string }>;
  note: string;
};

const q = (s: string) => (/^[A-Za-z0-9_./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function rejoinInstructions(input: TRejoinInput): TRejoinInstructions {
  const pgdata = input.dataDir?.trim() || '$PGDATA';
  const host = input.source.host?.trim() || '<host of ' + input.source.node + '>';
  const port = input.source.port ?? 5432;
  const user = input.source.user?.trim() || 'postgres';
  const bin = input.pgBin ? input.pgBin.replace(/\/+$/, '') + '/' : '';
  const conninfo = `host=${host} port=${port} user=${user} dbname=postgres`;
  const rewind = {
    title: `Rewind ${input.node} onto the timeline of ${input.source.node} (PostgreSQL on ${input.node} must be stopped)`,
    command: `${bin}pg_rewind --target-pgdata=${q(pgdata)} --source-server=${q(conninfo)} --progress --write-recovery-conf`,
  };
  const basebackup = {
    title: `Or take a fresh base backup from ${input.source.node} (moves the old data directory aside first)`,
    command: `mv ${q(pgdata)} ${q(pgdata + '.old')} && ${bin}pg_basebackup --pgdata=${q(pgdata)} --dbname=${q(conninfo)} --wal-method=stream --write-recovery-conf --checkpoint=fast --progress`,
  };
  const start = {
    title: `Start ${input.node} as a replica and clear its fence in Vakt's agent once it streams`,
    command: `${bin}pg_ctl start -D ${q(pgdata)}`,
  };
  const steps = input.rewindPossible === false ? [basebackup, start] : [rewind, basebackup, start];
  return {
    node: input.node,
    source: input.source.node,
    steps,
    note:
      input.rewindPossible === false
        ? `${input.node} cannot be rewound (no wal_log_hints or data checksums): rebuild it from a base backup.`
        : `pg_rewind needs wal_log_hints=on or data checksums on ${input.node}; if it fails, use the base backup.`,
  };
}

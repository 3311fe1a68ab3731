import { describe, expect, it } from 'vitest';
import { serverSynchronousCommit, synchronousCommitOverrides } from './synchronous-commit.ts';

describe("serverSynchronousCommit: the server's setting, never the agent session's override", () => {
  it.each([
    { name: 'default (nothing set anywhere): the value', row: { reset_val: 'on', source: 'default' }, file: undefined, want: 'on' },
    { name: 'postgresql.conf / ALTER SYSTEM: the value', row: { reset_val: 'remote_apply', source: 'configuration file' }, file: undefined, want: 'remote_apply' },
    { name: 'postgres -c on the command line: the value', row: { reset_val: 'local', source: 'command line' }, file: undefined, want: 'local' },
    { name: "the agent's role has ALTER ROLE … SET synchronous_commit: its value is not the server's; pg_file_settings not granted → unknown", row: { reset_val: 'off', source: 'user' }, file: null, want: null },
    { name: "the agent's role override, pg_file_settings granted: the files' value", row: { reset_val: 'off', source: 'user' }, file: 'on', want: 'on' },
    { name: 'a database setting on the database the agent connects to: not the server value', row: { reset_val: 'local', source: 'database' }, file: null, want: null },
    { name: 'a role-in-database setting: not the server value', row: { reset_val: 'local', source: 'database user' }, file: 'remote_write', want: 'remote_write' },
    { name: 'connection options (?options=-c synchronous_commit=off): not the server value', row: { reset_val: 'off', source: 'client' }, file: null, want: null },
    { name: 'no row at all: unknown', row: undefined, file: null, want: null },
  ])('$name', ({ row, file, want }) => expect(serverSynchronousCommit(row, file)).toBe(want));
});

describe('synchronousCommitOverrides: pg_db_role_setting entries of synchronous_commit', () => {
  it('keeps only synchronous_commit entries, per role, per database and per role in a database, in a stable order', () => {
    expect(
      synchronousCommitOverrides([
        { role: 'batch', database: null, setconfig: ['work_mem=64MB', 'synchronous_commit=local'] },
        { role: null, database: 'reports', setconfig: ['synchronous_commit=off'] },
        { role: 'app', database: 'shop', setconfig: ['Synchronous_Commit = remote_write'] },
        { role: 'other', database: null, setconfig: ['search_path=a,b'] },
        { role: 'empty', database: null, setconfig: null },
      ]),
    ).toEqual([
      { role: null, database: 'reports', value: 'off' },
      { role: 'app', database: 'shop', value: 'remote_write' },
      { role: 'batch', database: null, value: 'local' },
    ]);
  });

  it('no settings anywhere: an empty list', () => expect(synchronousCommitOverrides([])).toEqual([]));
});

import { describe, expect, it } from 'vitest';
import { ConninfoError, parseConninfoPairs, upstreamOf, withUpstream } from './conninfo.ts';

describe('primary_conninfo', () => {
  const basebackup = "user=postgres passfile='/var/lib/postgresql/.pgpass' channel_binding=prefer host=127.0.0.1 port=5433 sslmode=prefer application_name=oslo_2";

  it.each([
    ['key=value, host and port replaced, the rest kept in order', basebackup, '10.0.0.12', 5432, 'user=postgres passfile=/var/lib/postgresql/.pgpass channel_binding=prefer sslmode=prefer application_name=oslo_2 host=10.0.0.12 port=5432'],
    ["'' inside quotes is not libpq's escape: refused", "host=a port=1 user=rep password='it''s' ", 'b', 2, null],
    ['several hosts and a hostaddr become the one upstream', 'host=a,b hostaddr=10.0.0.1,10.0.0.2 port=5432,5433 user=rep', 'c', 5434, 'user=rep host=c port=5434'],
    ['no port given', "host=a user='rep user'", 'b', 5432, "user='rep user' host=b port=5432"],
    ['URI', 'postgresql://rep:secret@old-host:5432/postgres?application_name=x&sslmode=require', 'new-host', 6432, 'postgresql://rep:secret@new-host:6432/postgres?application_name=x&sslmode=require'],
    ['URI with an IPv6 upstream', 'postgres://rep@old:5432', 'fd00::2', 5432, 'postgres://rep@[fd00::2]:5432'],
  ])('%s', (_what, input, host, port, expected) => {
    if (expected === null) {
      expect(() => withUpstream(input, host, port)).toThrow(ConninfoError); // '' inside quotes is not libpq's escape
      return;
    }
    const out = withUpstream(input, host, port);
    expect(out).toBe(expected);
    expect(upstreamOf(out)).toEqual({ host, port });
  });

  it('keeps escaped values exactly', () => {
    const input = "host=a port=1 user=rep password='it\\'s a \\\\ secret' application_name=x";
    const out = withUpstream(input, 'b', 2);
    const get = (text: string, key: string) => parseConninfoPairs(text).find((p) => p.key === key)?.value;
    expect(get(input, 'password')).toBe("it's a \\ secret");
    expect(get(out, 'password')).toBe("it's a \\ secret");
    expect(get(out, 'application_name')).toBe('x');
  });

  it('reads where a connection string points', () => {
    expect(upstreamOf(basebackup)).toEqual({ host: '127.0.0.1', port: 5433 });
    expect(upstreamOf('user=rep')).toEqual({ host: null, port: null });
  });

  it('refuses text libpq would not accept', () => {
    expect(() => parseConninfoPairs('host')).toThrow(ConninfoError);
    expect(() => parseConninfoPairs("host='a")).toThrow(/unterminated/);
    expect(() => withUpstream('postgresql://rep@h1:5432,h2:5433/db', 'b', 2)).toThrow(ConninfoError); // a multi-host URI
  });
});

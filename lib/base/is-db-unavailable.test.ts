import { PrismaPg } from '@prisma/adapter-pg';
import { describe, expect, it } from 'vitest';
import { PrismaClient } from '@/lib/generated/prisma/client.ts';
import { isDbUnavailable } from './db';

// Real errors from a Prisma client whose server is not there (port 1 refuses, .invalid never
// resolves), then a table of the shapes the driver adapter and pg produce — and query errors that
// must not count as "database unavailable".
describe('isDbUnavailable', () => {
  async function caught(p: () => Promise<unknown>): Promise<unknown> {
    try {
      await p();
    } catch (e) {
      return e;
    }
    throw new Error('expected the call to fail');
  }

  it.each(['postgresql://postgres@127.0.0.1:1/vakt', 'postgresql://postgres@vakt-db.invalid:5432/vakt'])(
    'recognises what Prisma throws when the server cannot be reached (%s)',
    async (url) => {
      const c = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, connectionTimeoutMillis: 2000 }) });
      try {
        const model = (await caught(() => c.worker.findMany())) as { code?: string; message: string };
        expect(model.code).toBe('P1001');
        expect(isDbUnavailable(model)).toBe(true);
        const raw = (await caught(() => c.$queryRawUnsafe('SELECT 1'))) as { code?: string; message: string };
        expect(raw.code).toBe('P2010'); // raw-query failure: only the driver adapter error says why
        expect(isDbUnavailable(raw)).toBe(true);
        expect(isDbUnavailable(await caught(() => c.$transaction([c.worker.findMany()])))).toBe(true);
      } finally {
        await c.$disconnect();
      }
    },
  );

  const adapterError = (cause: Record<string, unknown>) => Object.assign(new Error('driver adapter error'), { name: 'DriverAdapterError', cause });
  it.each([
    ['P1001 without meta', Object.assign(new Error("Can't reach database server at db:5432"), { code: 'P1001' }), true],
    ['P1017 server closed the connection', Object.assign(new Error('Server has closed the connection.'), { code: 'P1017' }), true],
    ['P2024 pool timeout', Object.assign(new Error('Timed out fetching a new connection from the connection pool.'), { code: 'P2024' }), true],
    ['DriverAdapterError DatabaseNotReachable', adapterError({ kind: 'DatabaseNotReachable', host: 'db', port: 5432 }), true],
    ['DriverAdapterError ConnectionClosed', adapterError({ kind: 'ConnectionClosed' }), true],
    ['DriverAdapterError SocketTimeout', adapterError({ kind: 'SocketTimeout' }), true],
    ['meta.driverAdapterError', Object.assign(new Error('Raw query failed.'), { code: 'P2010', meta: { driverAdapterError: adapterError({ kind: 'DatabaseNotReachable' }) } }), true],
    ['postgres admin shutdown', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), true],
    ['postgres starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' }), true],
    ['adapter postgres kind, connection exception', adapterError({ kind: 'postgres', code: '08006', message: 'connection failure' }), true],
    ['socket ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 }), true],
    ['AggregateError of refused attempts', Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], ''), {}), true],
    ['database not accepting connections (ALLOW_CONNECTIONS false)', Object.assign(new Error('Raw query failed. Code: `55000`. Message: `database "vakt" is not currently accepting connections`'), { code: 'P2010' }), true],
    ['adapter postgres kind, not accepting connections', Object.assign(new Error('Database error.'), { meta: { driverAdapterError: adapterError({ kind: 'postgres', code: '55000', message: 'database "vakt" is not currently accepting connections' }) } }), true],
    ['pg Connection terminated unexpectedly', new Error('Connection terminated unexpectedly'), true],
    ['unique violation', Object.assign(new Error('Unique constraint failed on the fields: (`name`)'), { code: 'P2002' }), false],
    ['adapter unique violation', Object.assign(new Error('Raw query failed.'), { code: 'P2010', meta: { driverAdapterError: adapterError({ kind: 'UniqueConstraintViolation' }) } }), false],
    ['syntax error', Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' }), false],
    ['unrelated message mentioning connections', new Error('agent disconnected; reconnect later'), false],
    ['not an error', 'P1001?', false],
    ['null', null, false],
  ])('%s', (_n, err, want) => expect(isDbUnavailable(err)).toBe(want));
});

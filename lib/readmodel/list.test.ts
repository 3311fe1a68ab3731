import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, likePattern, ZClusterListQuery, ZContextListQuery } from './list';

describe('list cursors', () => {
  it.each([
    [{ sort: 'name' as const, after: 'fleet-042' }],
    [{ sort: 'worst' as const, after: 'fleet-042', rank: 3 }],
    [{ sort: 'name' as const, after: 'ünïcode/with spaces,and"quotes' }],
  ])('round-trips %j', (c) => {
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it.each([
    ['not base64 json', 'nonsense'],
    ['a JSON number', Buffer.from('42').toString('base64url')],
    ['unknown sort', Buffer.from('["size","x"]').toString('base64url')],
    ['worst without rank', Buffer.from('["worst","x"]').toString('base64url')],
    ['rank out of range', Buffer.from('["worst","x",12]').toString('base64url')],
    ['name with a rank', Buffer.from('["name","x",1]').toString('base64url')],
    ['key not a string', Buffer.from('["name",7]').toString('base64url')],
  ])('refuses %s', (_, s) => {
    expect(decodeCursor(s)).toBeNull();
  });
});

describe('list query parameters', () => {
  it.each([
    [{}, { limit: 50, sort: 'name' }],
    [{ limit: '200', sort: 'worst' }, { limit: 200, sort: 'worst' }],
    [{ state: 'healthy, split_brain' }, { state: ['HEALTHY', 'SPLIT_BRAIN'] }],
    [{ q: '  fleet ', site: 'oslo', summary: 'true' }, { q: 'fleet', site: 'oslo', summary: true }],
    [{ cursor: encodeCursor({ sort: 'worst', after: 'b', rank: 1 }), sort: 'worst' }, { cursor: { sort: 'worst', after: 'b', rank: 1 } }],
  ])('accepts %j', (input, expected) => {
    expect(ZClusterListQuery.parse(input)).toMatchObject(expected);
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '201' }, 'limit'],
    [{ limit: '1.5' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ sort: 'size' }, 'sort'],
    [{ state: 'FINE' }, 'state.0'],
    [{ cursor: 'zz' }, 'cursor'],
    [{ cursor: encodeCursor({ sort: 'name', after: 'b' }), sort: 'worst' }, 'cursor'],
    [{ q: ' ' }, 'q'],
    [{ summary: 'yes' }, 'summary'],
  ])('refuses %j naming %s', (input, path) => {
    const r = ZClusterListQuery.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('contexts: a page size and filters; a cluster list cursor (worst first) is not one of its cursors', () => {
    expect(ZContextListQuery.parse({ team: 'payments', limit: '3' })).toMatchObject({ team: 'payments', limit: 3 });
    expect(ZContextListQuery.safeParse({ cursor: encodeCursor({ sort: 'worst', after: 'x', rank: 0 }) }).error!.issues[0].path).toEqual(['cursor']);
    expect(ZContextListQuery.safeParse({ sort: 'worst' }).success).toBe(false);
  });

  it.each([
    ['fleet', '%fleet%'],
    ['50%', '%50\\%%'],
    ['a_b', '%a\\_b%'],
    ['back\\slash', '%back\\\\slash%'],
  ])('likePattern(%s) takes the text literally', (q, p) => {
    expect(likePattern(q)).toBe(p);
  });
});

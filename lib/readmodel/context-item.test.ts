import { describe, expect, it } from 'vitest';
import type { TFinding } from '@/lib/findings/types';
import { freshness, STALE_REASON } from './freshness';
import { catalogKey, servedContextDetail, servedContextItem, storedContextDetail, storedContextItem, storedIsCurrent } from './context-item';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const fresh = freshness(new Date(NOW.getTime() - 1000), NOW, 30_000);
const stale = freshness(new Date(NOW.getTime() - 60_000), NOW, 30_000);
const never = freshness(null, NOW, 30_000);
const f = (code: string, severity: TFinding['severity'], source: TFinding['source'] = 'lint'): TFinding => ({ code, severity, message: code, source });
const basis = { version: 2, versions: 3, catalog: catalogKey(new Date('2026-12-01T10:00:00.000Z'), 9) };
const row = { slug: 's', name: 'S', team: 't', currentVersion: 2 };
const spec = { rpoClass: 'RPO-1', rtoClass: 'RTO-2', failover: 'manual', crossSite: 'required' };

describe('storedIsCurrent: a stored answer is served only while it is about the context as it is now', () => {
  it.each([
    ['the same basis', basis, true],
    ['another current version (a declaration was accepted)', { ...basis, version: 3 }, false],
    ['another newest version (a proposal came)', { ...basis, versions: 4 }, false],
    ['a class changed since', { ...basis, catalog: catalogKey(new Date('2026-12-01T11:00:00.000Z'), 9) }, false],
    ['a class was deleted since', { ...basis, catalog: catalogKey(new Date('2026-12-01T10:00:00.000Z'), 8) }, false],
  ])('%s', (_, now, expected) => {
    expect(storedIsCurrent(basis, now)).toBe(expected);
  });
  it('nothing stored is never current', () => expect(storedIsCurrent(null, basis)).toBe(false));
  it('an empty catalog has a key of its own', () => expect(catalogKey(null, 0)).not.toBe(catalogKey(new Date(0), 0)));
});

describe('servedContextItem: stored counts, plus the READ_MODEL_STALE error when stale', () => {
  const item = storedContextItem(basis, spec, [f('A', 'error'), f('B', 'warning')], [f('C', 'warning', 'live'), f('D', 'info', 'live')]);
  it.each([
    ['fresh', fresh, { error: 1, warning: 2, info: 1 }, false],
    ['stale', stale, { error: 2, warning: 2, info: 1 }, true],
    ['never computed', never, { error: 2, warning: 2, info: 1 }, true],
  ])('%s', (_, fr, counts, isStale) => {
    expect(servedContextItem(row, item, fr)).toEqual({ ...row, ...spec, findingCounts: counts, computedAt: fr.computedAt, stale: isStale });
  });
  it('a context without a declaration has no classes', () => {
    expect(storedContextItem({ ...basis, version: 0 }, null, [f('DECLARATION_MISSING', 'warning')], [])).toMatchObject({ rpoClass: null, rtoClass: null, failover: null, crossSite: null, lint: { error: 0, warning: 1, info: 0 } });
  });
});

describe('servedContextDetail', () => {
  const history = [{ version: 2, authorLabel: 'a', reason: null, createdAt: new Date('2026-12-01T11:00:00.000Z'), changes: 1 }];
  const detail = storedContextDetail(basis, history, [f('W', 'warning')]);
  it('stores dates as text and serves them as dates; findings sorted, lint and live', () => {
    expect(detail.history[0].createdAt).toBe('2026-12-01T11:00:00.000Z');
    const s = servedContextDetail(detail, [f('E', 'error', 'live')], fresh);
    expect(s.history).toEqual(history);
    expect(s.findings.map((x) => x.code)).toEqual(['E', 'W']);
    expect(s).toMatchObject({ stale: false, computedAt: fresh.computedAt });
  });
  it('stale: the READ_MODEL_STALE error finding among them', () => {
    const s = servedContextDetail(detail, [f('E', 'error', 'live')], stale);
    expect(s.findings.map((x) => x.code)).toEqual(['E', STALE_REASON, 'W']);
    expect(s.stale).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { patroniPaused } from './patroni-pause';

const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));

describe('patroniPaused', () => {
  it.each([
    ['no observations', [], null],
    ['only missing and unknown ones', [null, undefined, { status: 'unknown', observedAt: at(9), payload: { cluster: { pause: true } } }], null],
    ['an answer without payload does not count', [{ status: 'ok', observedAt: at(1), payload: null }], null],
    ['cluster.pause', [{ status: 'ok', observedAt: at(1), payload: { cluster: { pause: true } } }], true],
    ['patroni.pause when the cluster says nothing', [{ status: 'ok', observedAt: at(1), payload: { patroni: { pause: true } } }], true],
    ['cluster.pause wins over patroni.pause', [{ status: 'ok', observedAt: at(1), payload: { cluster: { pause: false }, patroni: { pause: true } } }], false],
    ['neither said: not paused', [{ status: 'ok', observedAt: at(1), payload: {} }], false],
    [
      'the freshest answer decides',
      [
        { status: 'ok', observedAt: at(1), payload: { cluster: { pause: true } } },
        { status: 'ok', observedAt: at(5), payload: { cluster: { pause: false } } },
        { status: 'unknown', observedAt: at(9), payload: { cluster: { pause: true } } },
      ],
      false,
    ],
  ])('%s', (_name, observations, expected) => {
    expect(patroniPaused(observations)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { grantPgTraversal } from './run-as';

// An in-memory file system: path -> mode (missing = does not exist).
function fakeFs(modes: Record<string, number>) {
  const chmods: [string, number][] = [];
  return {
    chmods,
    impl: {
      existsSync: (p: string) => p in modes,
      statSync: (p: string) => ({ mode: 0o040000 | modes[p] }),
      chmodSync: (p: string, m: number) => {
        chmods.push([p, m]);
        modes[p] = m & 0o7777;
      },
    } as unknown as Parameters<typeof grantPgTraversal>[1],
  };
}

describe('grantPgTraversal', () => {
  it('adds only the search bit, only where it is missing, up to the first folder that does not exist yet', () => {
    const f = fakeFs({ '/': 0o755, '/tmp': 0o1777, '/tmp/ci.x': 0o700, '/tmp/ci.x/vakt': 0o755, '/tmp/ci.x/vakt/.vakt': 0o750 });
    const changed = grantPgTraversal('/tmp/ci.x/vakt/.vakt/pgdata', f.impl, true);
    expect(changed).toEqual(['/tmp/ci.x', '/tmp/ci.x/vakt/.vakt']);
    expect(f.chmods).toEqual([
      ['/tmp/ci.x', 0o701],
      ['/tmp/ci.x/vakt/.vakt', 0o751],
    ]);
  });

  it('changes nothing when every folder is already reachable, or when not running as root', () => {
    const f = fakeFs({ '/': 0o755, '/srv': 0o755, '/srv/vakt': 0o711 });
    expect(grantPgTraversal('/srv/vakt', f.impl, true)).toEqual([]);
    const g = fakeFs({ '/': 0o755, '/home': 0o700 });
    expect(grantPgTraversal('/home/me/vakt', g.impl, false)).toEqual([]);
    expect(g.chmods).toEqual([]);
  });
});

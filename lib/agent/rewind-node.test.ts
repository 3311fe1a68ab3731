import { describe, expect, it } from 'vitest';
import { rewindPossible } from './rewind-node';

const cd = (hints: string | null, checksums: string | null) =>
  ['Database cluster state:               shut down', hints !== null ? `wal_log_hints setting:                ${hints}` : '', checksums !== null ? `Data page checksum version:           ${checksums}` : ''].join('\n');

describe('rewindPossible (pg_controldata of the target)', () => {
  it.each([
    ['wal_log_hints on, no checksums', cd('on', '0'), true],
    ['checksums on, wal_log_hints off', cd('off', '1'), true],
    ['both', cd('on', '1'), true],
    ['neither: a fresh base backup is needed', cd('off', '0'), false],
    ['nothing readable: fail closed', cd(null, null), false],
  ])('%s', (_n, text, possible) => expect(rewindPossible(text).possible).toBe(possible));
});

import { describe, expect, it } from 'vitest';
import { joinUrl } from './join-url';

describe('joinUrl', () => {
  it.each([
    ['http://10.0.0.5:7070', '/v1/status', 'http://10.0.0.5:7070/v1/status'],
    ['http://10.0.0.5:7070/', '/v1/status', 'http://10.0.0.5:7070/v1/status'],
    ['http://10.0.0.5:7070///', '/v1/status', 'http://10.0.0.5:7070/v1/status'],
    ['http://127.0.0.1:8008/node-1', '/cluster', 'http://127.0.0.1:8008/node-1/cluster'],
    ['http://127.0.0.1:8008/node-1/', '/history', 'http://127.0.0.1:8008/node-1/history'],
  ])('%s + %s = %s', (base, path, url) => {
    expect(joinUrl(base, path)).toBe(url);
  });
});

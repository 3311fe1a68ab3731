import { afterEach, describe, expect, it } from 'vitest';
import { env, EnvError, oidcConfigured, resetEnv } from './env';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetEnv();
});

describe('configuration', () => {
  it('applies defaults', () => {
    delete process.env.PORT;
    delete process.env.VAKT_POLL_INTERVAL_MS;
    resetEnv();
    expect(env().PORT).toBe(3000);
    expect(env().VAKT_POLL_INTERVAL_MS).toBe(5000);
    expect(env().VAKT_WORKER).toBe('embedded');
  });

  it('bounds the clock skew an agent may have (default 2000 ms, a number of ms)', () => {
    delete process.env.VAKT_MAX_CLOCK_SKEW_MS;
    resetEnv();
    expect(env().VAKT_MAX_CLOCK_SKEW_MS).toBe(2000);
    process.env.VAKT_MAX_CLOCK_SKEW_MS = '500';
    resetEnv();
    expect(env().VAKT_MAX_CLOCK_SKEW_MS).toBe(500);
    process.env.VAKT_MAX_CLOCK_SKEW_MS = 'a lot';
    resetEnv();
    expect(() => env()).toThrow(/VAKT_MAX_CLOCK_SKEW_MS/);
  });

  it('names every bad variable in one message', () => {
    process.env.PORT = 'eighty';
    process.env.VAKT_WORKER = 'sometimes';
    process.env.DATABASE_URL = 'mysql://x';
    process.env.VAKT_SESSION_MAX_AGE_HOURS = '48';
    resetEnv();
    let msg = '';
    try {
      env();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      msg = (e as Error).message;
    }
    for (const v of ['PORT', 'VAKT_WORKER', 'DATABASE_URL', 'VAKT_SESSION_MAX_AGE_HOURS']) expect(msg).toContain(v);
  });

  it('enables OIDC only when issuer, client id and secret are all set', () => {
    process.env.VAKT_OIDC_ISSUER = 'https://id.example/realms/ops';
    process.env.VAKT_OIDC_CLIENT_ID = 'vakt';
    delete process.env.VAKT_OIDC_CLIENT_SECRET;
    resetEnv();
    expect(oidcConfigured()).toBe(false);
    process.env.VAKT_OIDC_CLIENT_SECRET = 's3cret';
    resetEnv();
    expect(oidcConfigured()).toBe(true);
    expect(env().VAKT_OIDC_ROLE_CLAIM).toBe('vakt_role');
  });
});

import { createEnv } from '@t3-oss/env-core';
import { z } from 'zod';

// The one validated configuration module (README "Configuration"). Every variable is validated when
// first read; a bad value stops the process with a message naming each bad variable.
const bool = z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const ms = (def: number, min: number) => z.coerce.number().int().min(min).default(def);

export const ZEnvShape = {
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  NEXTAUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  NEXTAUTH_URL: z.url().optional(),
  VAKT_SECRET_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/=_-]{32,}$/, 'must be at least 32 characters of base64/hex (e.g. `openssl rand -base64 32`)')
    .optional(),
  VAKT_AGENT_ALLOW: z.string().default('127.0.0.0/8,::1/128,localhost'),
  VAKT_METRICS_ALLOW: z.string().default('127.0.0.1,::1'),
  VAKT_POLL_INTERVAL_MS: ms(5000, 200),
  VAKT_POLL_TIMEOUT_MS: ms(3000, 100),
  VAKT_POLL_CONCURRENCY: z.coerce.number().int().min(1).max(2000).default(64),
  /** chart history tiers: raw samples, per-minute rollups, hourly rollups (README "History") */
  VAKT_HISTORY_RAW_HOURS: z.coerce.number().min(0.1).default(6),
  VAKT_HISTORY_MINUTE_DAYS: z.coerce.number().min(0.1).default(3),
  VAKT_HISTORY_HOUR_DAYS: z.coerce.number().min(1).default(90),
  VAKT_STALE_AFTER_MS: ms(15000, 500),
  /** An agent whose clock differs from Vakt's database clock by more than this is unknown (CLOCK_SKEW). */
  VAKT_MAX_CLOCK_SKEW_MS: ms(2000, 50),
  VAKT_LEASE_MS: ms(15000, 1000),
  VAKT_WORKER: z.enum(['embedded', 'off']).default('embedded'),
  VAKT_SESSION_MAX_AGE_HOURS: z.coerce.number().min(0.1).max(12).default(8),
  VAKT_APPROVAL_TTL_MINUTES: z.coerce.number().min(1).max(24 * 60).default(30),
  /** restore drills: how long the worker lets a drill run before it aborts it (TIMED_OUT) */
  VAKT_DRILL_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(86_400).default(3600),
  VAKT_REAUTH_WINDOW_MINUTES: z.coerce.number().min(1).max(15).default(5),
  VAKT_PRIMARY_DOWN_FOR_SECONDS: z.coerce.number().min(0).default(30),
  VAKT_AUTOMATIC_DELAY_SECONDS: z.coerce.number().min(0).default(20),
  VAKT_SALVAGE_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  VAKT_SWITCHOVER_CATCHUP_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  VAKT_SWITCHOVER_WINDOW_MINUTES: z.coerce.number().min(1).max(24 * 60).default(60),
  VAKT_STORAGE_RISK_PERCENT: z.coerce.number().min(1).max(100).default(85),
  VAKT_EMBEDDED_PG_DIR: z.string().default('.vakt/pgdata'),
  VAKT_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VAKT_TRUST_PROXY: bool.default(false),
  VAKT_OIDC_ISSUER: z.url().optional(),
  VAKT_OIDC_CLIENT_ID: z.string().min(1).optional(),
  VAKT_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  VAKT_OIDC_ROLE_CLAIM: z.string().min(1).default('vakt_role'),
  VAKT_OIDC_TEAMS_CLAIM: z.string().min(1).default('vakt_teams'),
  VAKT_RECEIVER_ALLOW: z.string().default('127.0.0.0/8,::1/128,localhost'),
  VAKT_ALERT_HOLD_DOWN_SECONDS: z.coerce.number().min(0).max(86400).optional(),
  VAKT_ALERT_INTERVAL_MS: ms(2000, 100),
};

export class EnvError extends Error {}

function load() {
  return createEnv({
    server: ZEnvShape,
    runtimeEnv: process.env,
    emptyStringAsUndefined: true,
    isServer: true,
    onValidationError: (issues) => {
      const lines = issues.map((i) => `  ${(i.path ?? []).join('.') || '(root)'}: ${i.message}`);
      throw new EnvError(`Invalid Vakt configuration:\n${lines.join('\n')}\nSee README.md "Configuration".`);
    },
  });
}

export type TEnv = ReturnType<typeof load>;
let cached: TEnv | undefined;

/** Validated configuration (re-read after resetEnv(), e.g. once DATABASE_URL was set for embedded PG). */
export function env(): TEnv {
  cached ??= load();
  return cached;
}
export function resetEnv() {
  cached = undefined;
}

export function oidcConfigured(e: TEnv = env()): boolean {
  return Boolean(e.VAKT_OIDC_ISSUER && e.VAKT_OIDC_CLIENT_ID && e.VAKT_OIDC_CLIENT_SECRET);
}

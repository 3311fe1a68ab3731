import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

// Secrets Vakt must present later (agent tokens, Patroni passwords) are stored encrypted:
// AES-256-GCM, key derived once from VAKT_SECRET_KEY with HKDF-SHA256, format "v1:<iv>:<tag>:<ct>" (base64).
const VERSION = 'v1';
const INFO = 'vakt/secret-box/v1';
const SALT = 'vakt.secret-box';

export class SecretBoxError extends Error {}

let cache: { secret: string; key: Buffer } | undefined;

function keyFor(secret: string | undefined): Buffer {
  if (!secret || secret.length < 32) {
    throw new SecretBoxError('VAKT_SECRET_KEY is not set (or shorter than 32 characters): it is needed to encrypt and decrypt agent tokens. Generate one with `openssl rand -base64 32`.');
  }
  if (cache?.secret === secret) return cache.key;
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from(SALT), Buffer.from(INFO), 32));
  cache = { secret, key };
  return key;
}

/** Encrypt a secret; `secret` defaults to process.env.VAKT_SECRET_KEY. */
export function sealSecret(plain: string, secret: string | undefined = process.env.VAKT_SECRET_KEY): string {
  const key = keyFor(secret);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return [VERSION, iv.toString('base64'), c.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
}

/** Decrypt a sealed secret; throws SecretBoxError on a wrong key, tampering or an unknown format. */
export function openSecret(sealed: string, secret: string | undefined = process.env.VAKT_SECRET_KEY): string {
  const parts = sealed.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError(`unknown secret format (expected ${VERSION}:iv:tag:ct)`);
  const key = keyFor(secret);
  const [, iv, tag, ct] = parts.map((p, i) => (i === 0 ? Buffer.alloc(0) : Buffer.from(p, 'base64')));
  if (iv.length !== 12 || tag.length !== 16) throw new SecretBoxError('malformed sealed secret');
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError('cannot decrypt the stored secret: VAKT_SECRET_KEY differs from the key it was encrypted with, or the value was altered');
  }
}

// PostgreSQL WAL positions (LSNs) in their text form "16/B374D848": one regex, one parser, one
// difference, used by the agent protocol, the poller, the safety engine and the promotion rules.
// Pure: no I/O.
import { z } from 'zod';

export const LSN_PATTERN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

/** PostgreSQL LSN text form, e.g. "0/3000148". */
export const ZLsn = z.string().regex(LSN_PATTERN, 'not an LSN like 0/3000148');

export function isLsn(value: unknown): value is string {
  return typeof value === 'string' && LSN_PATTERN.test(value);
}

/** Byte position of an LSN ("16/B374D848" -> 0x16B374D848). Throws on text that is not an LSN. */
export function lsnToBigInt(lsn: string): bigint {
  if (!LSN_PATTERN.test(lsn)) throw new Error(`not an LSN: ${JSON.stringify(lsn)}`);
  const [hi, lo] = lsn.split('/');
  return (BigInt('0x' + hi) << 32n) + BigInt('0x' + lo);
}

/** Byte position, or null for null, undefined or text that is not an LSN (callers fail closed on null). */
export function lsnValue(lsn: string | null | undefined): bigint | null {
  return isLsn(lsn) ? lsnToBigInt(lsn) : null;
}

/** The text form of a byte position (upper-case hex, PostgreSQL's own spelling). */
export function formatLsn(value: bigint): string {
  if (value < 0n) throw new Error('an LSN is never negative');
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The text form of a byte position given as a number (Patroni's integer positions; negative -> 0, fractions dropped). */
export function bytesToLsn(n: number): string {
  return formatLsn(BigInt(Math.max(0, Math.trunc(n))));
}

/** a - b in bytes as a number (exact below 2^53). Throws on text that is not an LSN. */
export function lsnDiff(a: string, b: string): number {
  return Number(lsnToBigInt(a) - lsnToBigInt(b));
}

/** a − b in bytes, or null when either is missing or not an LSN. */
export function lsnBytes(a: string | null | undefined, b: string | null | undefined): number | null {
  const va = lsnValue(a);
  const vb = lsnValue(b);
  return va === null || vb === null ? null : Number(va - vb);
}

/** The highest of the given LSNs (invalid and null ignored), or null. */
export function maxLsn(lsns: Array<string | null | undefined>): string | null {
  let best: string | null = null;
  let bestValue: bigint | null = null;
  for (const lsn of lsns) {
    const v = lsnValue(lsn);
    if (v !== null && (bestValue === null || v > bestValue)) {
      best = lsn as string;
      bestValue = v;
    }
  }
  return best;
}

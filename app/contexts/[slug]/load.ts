import { notFound } from 'next/navigation';
import { AppError } from '@/lib/base/errors';

/** Runs a registry read; a NOT_FOUND AppError becomes Next's 404 page. */
export async function orNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof AppError && e.code === 'NOT_FOUND') notFound();
    throw e;
  }
}

export const SAVED_COOKIE = 'vakt_saved';
export type TSavedFlash = { slug: string; version: number; created: boolean };

export function parseSavedFlash(raw: string | undefined): TSavedFlash | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as TSavedFlash;
    return typeof v.slug === 'string' && typeof v.version === 'number' ? v : null;
  } catch {
    return null;
  }
}

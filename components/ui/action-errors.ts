import { ZodError } from 'zod';
import { AppError } from '@/lib/base/errors';
import { nextAttempt, type TFormState } from './form-state';

// Server side only (server actions): maps expected failures to what the form shows.

/** Expected failures -> form state; anything unexpected is rethrown (error boundary, logged). */
export function formStateFromError(e: unknown, prev: TFormState, values?: Record<string, string>): TFormState {
  const attempt = nextAttempt(prev);
  if (e instanceof ZodError) {
    const errors: Record<string, string> = {};
    for (const i of e.issues) errors[i.path.map(String).join('.') || '(root)'] ??= i.message;
    return { message: 'Please correct the marked fields.', errors, values, attempt };
  }
  if (e instanceof AppError) {
    const errors: Record<string, string> = {};
    for (const f of e.details?.fields ?? []) errors[f.path] ??= f.message;
    const message = e.code === 'VALIDATION' ? 'Please correct the marked fields.' : e.message;
    return { message, errors, values, attempt };
  }
  throw e;
}

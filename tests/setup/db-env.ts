import { inject } from 'vitest';

process.env.DATABASE_URL = inject('databaseUrl');
process.env.VAKT_SECRET_KEY ??= 'test-secret-key-0123456789abcdef0123456789abcdef';
process.env.NEXTAUTH_SECRET ??= 'test-nextauth-secret-0123456789abcdef0123456789';
process.env.VAKT_LOG_LEVEL ??= 'warn';

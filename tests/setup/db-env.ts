import { inject } from 'vitest';

// Each vitest worker (VITEST_POOL_ID 1..maxWorkers) has its own database (tests/setup/global-db.ts).
const urls = inject('databaseUrls');
const poolId = Number(process.env.VITEST_POOL_ID ?? 1);
process.env.DATABASE_URL = urls[(poolId - 1) % urls.length];
process.env.VAKT_SECRET_KEY ??= 'test-secret-key-0123456789abcdef0123456789abcdef';
process.env.NEXTAUTH_SECRET ??= 'test-nextauth-secret-0123456789abcdef0123456789';
process.env.VAKT_LOG_LEVEL ??= 'warn';

import next from 'eslint-config-next';

const config = [
  { ignores: ['lib/generated/**', '.next/**', 'dist/**', 'node_modules/**', '.vakt/**', 'playwright-report/**', 'test-results/**', 'next-env.d.ts'] },
  ...next,
  {
    rules: {
      'react-hooks/set-state-in-effect': 'off',
    },
  },
  {
    // product code never depends on the test harness (shared local-PostgreSQL helpers live in scripts/pglocal)
    files: ['app/**', 'components/**', 'lib/**', 'scripts/**', 'instrumentation.ts'],
    ignores: ['**/*.test.ts', '**/*.int.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/tests/**', '@/tests/**'], message: 'product code must not import test code; move shared helpers to lib/' }] }],
    },
  },
];
export default config;

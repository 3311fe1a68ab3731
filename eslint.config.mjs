import next from 'eslint-config-next';

const config = [
  { ignores: ['lib/generated/**', '.next/**', 'dist/**', 'node_modules/**', '.vakt/**', 'playwright-report/**', 'test-results/**', 'next-env.d.ts'] },
  ...next,
  {
    rules: {
      'react-hooks/set-state-in-effect': 'off',
    },
  },
];
export default config;

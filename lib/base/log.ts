import pino from 'pino';

// Structured logs. Secrets never reach them: the redact list covers every field that could hold one.
export const logger = pino({
  level: process.env.VAKT_LOG_LEVEL ?? 'info',
  base: { app: 'vakt' },
  redact: {
    paths: ['password', '*.password', 'token', '*.token', 'agentToken', '*.agentToken', 'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'secret', '*.secret'],
    censor: '[redacted]',
  },
});

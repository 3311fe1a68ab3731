import pino, { type Logger } from 'pino';

/** Structured JSON logs on stdout. The bearer token is never logged: headers are never passed to the logger. */
export function createAgentLogger(opts: { level: string; node: string }): Logger {
  return pino({
    level: opts.level,
    base: { svc: 'vakt-agent', node: opts.node },
    redact: { paths: ['token', 'authorization', '*.authorization', 'req.headers.authorization', 'config.token'], censor: '[redacted]' },
  });
}

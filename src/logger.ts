// Structured logs, one line per event and per message. We log ids only; the
// redact list is a second line of defence in case a profile or a secret ever
// reaches a log call by mistake.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'profile',
  '*.profile',
  'refers',
  '*.refers',
  'text',
  '*.text',
  'accessSecret',
  '*.accessSecret',
  'accessKey',
  '*.accessKey',
  'token',
  '*.token',
  'headers["x-access-secret"]',
  '*.headers["x-access-secret"]',
  'req.headers.cookie',
  'req.headers.authorization',
];

export function createLogger(opts: { level: string; format: 'json' | 'pretty'; name?: string }): Logger {
  return pino({
    level: opts.level,
    name: opts.name ?? 'curation',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(opts.format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}

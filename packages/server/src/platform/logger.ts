import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino replaces with "[redacted]" wherever they appear: secrets must never reach a log line, even when a
 * caller logs a whole object by mistake.
 */
export const REDACT_PATHS = [
  'apiKey', '*.apiKey', 'key', '*.key', 'secret', '*.secret', 'token', '*.token', 'password', '*.password',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', '*.headers["x-goog-api-key"]',
  'headers["x-goog-api-key"]', 'masterKey', '*.masterKey',
];

/** Creates the process logger (JSON lines on stdout). */
export function createLogger(opts: { level: string; pretty?: boolean; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? process.stdout,
  );
}

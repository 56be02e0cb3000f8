import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

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

/** Creates the process logger: JSON lines on stdout, or pino-pretty's colored lines for a person at a terminal. */
export function createLogger(opts: { level: string; pretty?: boolean; destination?: NodeJS.WritableStream }): Logger {
  const options = {
    level: opts.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.pretty && !opts.destination) {
    // Synchronous pretty stream (not a worker transport) so lines are never lost on a fast exit.
    return pino(options, pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino(options, opts.destination ?? process.stdout);
}

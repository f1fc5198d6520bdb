import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * One structured logger for the long-running processes (worker, lab, supervisor). Lines are JSON:
 * what happened, which target, a one-line reason. Secrets never reach a log line: the redact list is
 * the last line of defence, not the first — callers must not pass secrets at all.
 */
export function createLogger(
  processName: string,
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      name: processName,
      level: options.level ?? process.env.KEYWATCH_LOG_LEVEL ?? 'info',
      base: { process: processName, pid: process.pid },
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'privateKey', '*.privateKey', 'authorization', '*.authorization'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(1),
  );
}

/** The one-line reason a log line carries for whatever was thrown. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type { Logger };

import { createLogger, type Logger } from './logger';

// Next loads route handlers, pages and the custom server as separate bundles, each with its own
// module instances; the logger hangs on globalThis so the web process writes through one pino.
const state = globalThis as unknown as { keywatchWebLogger?: Logger };

/** The web process's structured logger (process "web"): route failures, live checks, host actions. */
export function webLogger(): Logger {
  return (state.keywatchWebLogger ??= createLogger('web'));
}


/** Tests read what the web process would have logged; undefined goes back to standard output. */
export function setWebLoggerForTests(logger: Logger | undefined): void {
  state.keywatchWebLogger = logger;
}

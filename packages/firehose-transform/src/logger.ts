/** Pluggable logger; any object with these methods works (console, pino, Powertools Logger…). */
export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** The default: warnings and errors to the console (CloudWatch Logs in Lambda), nothing else. */
export const consoleWarnLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (message, context) => console.warn(`[@pipeline/firehose-transform] ${message}`, context ?? ''),
  error: (message, context) => console.error(`[@pipeline/firehose-transform] ${message}`, context ?? ''),
};

/** Logs nothing. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

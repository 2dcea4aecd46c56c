/** Pluggable logger; any object with these methods works (console, pino, Powertools Logger…). */
export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const noop = (): void => {};

/**
 * The libraries' default logger: warnings and errors to the console (CloudWatch Logs in Lambda), each prefixed with
 * `[name]`; debug and info are dropped.
 */
export function consoleWarnLogger(name: string): Logger {
  const prefix = `[${name}]`;
  return {
    debug: noop,
    info: noop,
    warn: (message, context) => console.warn(`${prefix} ${message}`, context ?? ''),
    error: (message, context) => console.error(`${prefix} ${message}`, context ?? ''),
  };
}

/** Logs nothing. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

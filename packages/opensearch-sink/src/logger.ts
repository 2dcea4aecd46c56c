/** Pluggable logger; any object with these methods works (console, pino, Powertools Logger…). */
export interface Logger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** The default: warnings and errors to the console, nothing else. */
export const consoleWarnLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (message, context) => console.warn(`[@pipeline/opensearch-sink] ${message}`, context ?? ''),
  error: (message, context) => console.error(`[@pipeline/opensearch-sink] ${message}`, context ?? ''),
};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

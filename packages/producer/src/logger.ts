import { type Logger, consoleWarnLogger as namedConsoleWarnLogger } from '@pipeline/commons';

export { type Logger, silentLogger } from '@pipeline/commons';

/** The default: warnings and errors to the console, prefixed `[@pipeline/producer]`; nothing else. */
export const consoleWarnLogger: Logger = namedConsoleWarnLogger('@pipeline/producer');

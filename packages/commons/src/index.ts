export { fullJitterDelay } from './backoff.js';
export { type EmfDocumentInput, type EmfMetric, type EmfUnit, emfDocument, writeEmfLine } from './emf.js';
export { ConfigurationError } from './errors.js';
export { consoleWarnLogger, type Logger, silentLogger } from './logger.js';
export { type BudgetedPullOptions, budgetedPull } from './pull.js';
export { mulberry32 } from './random.js';

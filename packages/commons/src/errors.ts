/** Thrown for an invalid option; the message names the option and its limit (`option: message`). */
export class ConfigurationError extends Error {
  override readonly name: string = 'ConfigurationError';
  /** The option's name or path, e.g. `maxConnections` or `retry.baseDelayMs`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}

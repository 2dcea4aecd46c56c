/**
 * Typed Flink SQL templates and parameters for the generic runner jar of `@pipeline/flink-sql-runner` (which runs
 * SQL with typed `${name}` parameters on Flink 1.20 — on Managed Service for Apache Flink, or locally on a
 * MiniCluster). This package has no jar: install `@pipeline/flink-sql-runner` where you run or deploy it.
 *
 * @packageDocumentation
 */
import fs from 'node:fs';
import path from 'node:path';
import { paramsFileContent, type SqlParamInput } from './parameters.js';

export {
  bindParameters,
  isSecretRef,
  paramsFileContent,
  placeholderNames,
  RUNTIME_PROPERTY_VALUE_MAX_LENGTH,
  SECRET_REF_PROPERTY_PREFIX,
  type SecretRef,
  type SqlParameter,
  SqlParameterError,
  type SqlParameters,
  type SqlParameterType,
  type SqlParameterValues,
  type SqlParamInput,
  type SqlParamValue,
  type SqlTemplate,
  secretMarker,
  secretRef,
  substituteParameters,
  toRuntimeProperties,
} from './parameters.js';
export * from './templates.js';

/** Identifier of the runner's KPL-unpacking JSON format (`'format' = 'kpl-json'`, options `kpl-json.*`). */
export const KPL_JSON_FORMAT = 'kpl-json';
/** Runtime property group the runner reads its parameters from on Managed Flink. */
export const PARAMS_PROPERTY_GROUP = 'SqlParameters';

/**
 * Writes the runner's `--params` JSON file (values checked to be strings, finite numbers, booleans, null or secret
 * references, which are written as `{"secretRef": "<id>", "jsonKey": "<key>"}`; see `paramsFileContent`).
 */
export function writeParamsFile(file: string, params: Readonly<Record<string, SqlParamInput>>): void {
  const content = paramsFileContent(params);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

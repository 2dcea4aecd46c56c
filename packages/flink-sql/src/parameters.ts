/**
 * Typed `${name}` parameters of the runner's SQL: declarations, binding values to them, secret references, the two
 * forms the runner reads (JSON file, Managed Flink runtime properties), and a TypeScript mirror of the runner's
 * substitution (for local dry runs and SQL validation in tests).
 */

/** A typed parameter value: strings become escaped SQL literals, numbers and booleans stay typed. */
export type SqlParamValue = string | number | boolean | null;

/**
 * A reference to an AWS Secrets Manager secret, in place of a string parameter's value. The runner reads it at start
 * with the default credentials chain (on Managed Flink: the application's role, which needs
 * `secretsmanager:GetSecretValue` on it) and substitutes the secret as a string; it logs only `<secret:id>`
 * (`<secret:id#jsonKey>`). Make one with {@link secretRef}. In the `--params` JSON file it is exactly this object; as
 * a runtime property, `secretref:<id>` or `secretref:<id>#<jsonKey>` ({@link toRuntimeProperties}).
 */
export interface SecretRef {
  /** The secret's ARN (recommended: the runner calls the region in it) or name (then the runner's default region). */
  readonly secretRef: string;
  /** For a JSON secret (`{"username": ..., "password": ...}`), the key whose value to use; else the whole secret. */
  readonly jsonKey?: string;
}

/** A value as bound to a parameter: a typed value, or a secret reference for a string parameter. */
export type SqlParamInput = SqlParamValue | SecretRef;

/** Prefix of a secret reference in a runtime property value (`secretref:<id>[#<jsonKey>]`). */
export const SECRET_REF_PROPERTY_PREFIX = 'secretref:';

/** Managed Flink caps each runtime property value at this many characters. */
export const RUNTIME_PROPERTY_VALUE_MAX_LENGTH = 2048;

/** Secrets Manager names and ARNs: letters, digits and `/_+=.@-`, plus `:` in an ARN; never `#` or blanks. */
const SECRET_ID = /^[^\s#]+$/;

/**
 * A reference to the Secrets Manager secret `id` (ARN or name) — or to the value of `jsonKey` in it, for a JSON
 * secret — to bind to a string parameter instead of the secret itself.
 *
 * ```ts
 * bindParameters(job, { ..., opensearchPassword: secretRef('arn:aws:secretsmanager:eu-west-1:123456789012:secret:os-creds-AbCdEf', 'password') });
 * ```
 */
export function secretRef(id: string, jsonKey?: string): SecretRef {
  const problem = secretRefProblem({ secretRef: id, jsonKey });
  if (problem) throw new SqlParameterError(`secretRef: ${problem}`);
  return Object.freeze(jsonKey === undefined ? { secretRef: id } : { secretRef: id, jsonKey });
}

/** True for a well-formed {@link SecretRef}: `{ secretRef: id, jsonKey?: key }` and nothing else. */
export function isSecretRef(value: unknown): value is SecretRef {
  return secretRefProblem(value) === undefined;
}

function secretRefProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  const extra = keys.filter((k) => k !== 'secretRef' && k !== 'jsonKey');
  if (extra.length > 0) return `unexpected key(s) ${extra.join(', ')} (a secret reference has secretRef and jsonKey)`;
  const { secretRef: id, jsonKey } = value as { secretRef?: unknown; jsonKey?: unknown };
  if (typeof id !== 'string' || !SECRET_ID.test(id)) {
    return 'the secret id must be a non-empty ARN or name without blanks or #';
  }
  if (jsonKey !== undefined && (typeof jsonKey !== 'string' || jsonKey === '')) {
    return 'jsonKey must be a non-empty string';
  }
  return undefined;
}

/** The marker the runner logs for a secret reference, and {@link substituteParameters} renders in its place. */
export function secretMarker(ref: SecretRef): string {
  return `<secret:${ref.secretRef}${ref.jsonKey === undefined ? '' : `#${ref.jsonKey}`}>`;
}

/** The value type a parameter declares. */
export type SqlParameterType = 'string' | 'number' | 'boolean';

/** A parameter the SQL references as `${name}`: its type and meaning. */
export interface SqlParameter<T extends SqlParameterType = SqlParameterType> {
  readonly type: T;
  /** What the value is, e.g. `Kinesis stream name`. */
  readonly doc: string;
  /**
   * A secret (password, key): never log it; outside local runs bind a {@link secretRef} to it (the runner resolves it
   * from Secrets Manager), not the value itself.
   */
  readonly secret?: boolean;
}

/** Parameter declarations by name. */
export type SqlParameters = { readonly [name: string]: SqlParameter };

/** SQL text with `${name}` placeholders and the declaration of every parameter it uses. */
export interface SqlTemplate<P extends SqlParameters = SqlParameters> {
  /** Statements separated by `;`, with the runner's `${name}` placeholders. */
  readonly sql: string;
  /** Every placeholder of `sql`, declared once; nothing else. */
  readonly parameters: P;
}

type ValueOfType<T> = T extends 'string'
  ? string | SecretRef
  : T extends 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : never;

/**
 * The values a template needs: one per declared parameter, of its declared type; a string parameter also takes a
 * {@link SecretRef} (a secret resolves to a string).
 */
export type SqlParameterValues<P extends SqlParameters> = {
  -readonly [K in keyof P]: P[K] extends SqlParameter<infer T> ? ValueOfType<T> : never;
};

/** Values that do not match a template's parameters; the message names every problem. */
export class SqlParameterError extends TypeError {
  override readonly name = 'SqlParameterError';
}

/**
 * Checks values against a template's parameters — every declared one present with its type, nothing else, numbers
 * finite, secret references (string parameters only) well formed — and returns them as the runner's parameter map
 * (for `writeParamsFile`, or {@link toRuntimeProperties} for Managed Flink). Throws {@link SqlParameterError} naming
 * all missing, unknown and mistyped parameters at once; messages never include a value.
 */
export function bindParameters<P extends SqlParameters>(
  template: SqlTemplate<P>,
  values: SqlParameterValues<P>,
): Record<string, SqlParamInput> {
  const given = values as Record<string, unknown>;
  const problems: string[] = [];
  const missing = Object.keys(template.parameters).filter((name) => given[name] === undefined);
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(template.parameters, name));
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
  if (unknown.length > 0) problems.push(`unknown ${unknown.join(', ')}`);
  const out: Record<string, SqlParamInput> = {};
  for (const [name, spec] of Object.entries(template.parameters)) {
    const value = given[name];
    if (value === undefined) continue;
    if (value !== null && typeof value === 'object') {
      const problem = secretRefProblem(value);
      if (spec.type !== 'string') {
        const got = problem === undefined ? 'a secret reference (secrets resolve to strings)' : 'object';
        problems.push(`${name} must be a ${spec.type === 'number' ? 'finite number' : spec.type}, got ${got}`);
      } else if (problem !== undefined) {
        problems.push(`${name}: not a valid secret reference (${problem})`);
      } else {
        out[name] = value as SecretRef;
      }
      continue;
    }
    const ok =
      (spec.type === 'string' && typeof value === 'string') ||
      (spec.type === 'boolean' && typeof value === 'boolean') ||
      (spec.type === 'number' && typeof value === 'number' && Number.isFinite(value));
    if (!ok) {
      problems.push(`${name} must be a ${spec.type === 'number' ? 'finite number' : spec.type}, got ${typeof value}`);
      continue;
    }
    out[name] = value as SqlParamValue;
  }
  if (problems.length > 0) throw new SqlParameterError(`SQL parameters do not match: ${problems.join('; ')}`);
  return out;
}

/** Names of the `${name}` placeholders in SQL text (outside comments), in order of first use. */
export function placeholderNames(sql: string): string[] {
  const used = new Set<string>();
  scan(sql, (name) => {
    used.add(name);
    return '';
  });
  return [...used];
}

/**
 * Substitutes `${name}` placeholders as the runner does (pipeline.flinksql.SqlScript): inside `'...'` the escaped
 * text, inside `` `...` `` the escaped identifier, elsewhere a typed literal (`'text'`, `42`, `TRUE`, `NULL`); comments
 * untouched; `$${` stands for `${`. A {@link SecretRef} is rendered as the string `<secret:id#jsonKey>` (the runner
 * puts the secret there). Throws naming every missing and unknown parameter. The runner does this itself; use this to
 * look at, or validate, the SQL a job will run.
 */
export function substituteParameters(sql: string, values: Readonly<Record<string, SqlParamInput>>): string {
  const used = new Set<string>();
  const missing = new Set<string>();
  const out = scan(sql, (name, state) => {
    used.add(name);
    if (!Object.hasOwn(values, name)) {
      missing.add(name);
      return `\${${name}}`;
    }
    const value = values[name] as SqlParamInput;
    return render(name, isSecretRef(value) ? secretMarker(value) : value, state);
  });
  const unknown = Object.keys(values).filter((name) => !used.has(name));
  if (missing.size > 0 || unknown.length > 0) {
    const parts: string[] = [];
    if (missing.size > 0) parts.push(`missing parameter(s) ${[...missing].sort().join(', ')}`);
    if (unknown.length > 0) parts.push(`unknown parameter(s) ${unknown.sort().join(', ')} (not used by the SQL)`);
    throw new SqlParameterError(`SQL parameters do not match the SQL: ${parts.join('; ')}`);
  }
  return out;
}

/**
 * The runner's `--params` JSON file content for these values (`writeParamsFile` writes it): typed values as they are,
 * a {@link SecretRef} as `{"secretRef": "<id>", "jsonKey": "<key>"}`. Throws naming any other value's parameter.
 */
export function paramsFileContent(params: Readonly<Record<string, SqlParamInput>>): string {
  const out: Record<string, SqlParamInput> = {};
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && typeof value === 'object') {
      const problem = secretRefProblem(value);
      if (problem) throw new SqlParameterError(`parameter ${name}: not a valid secret reference (${problem})`);
      out[name] = value.jsonKey === undefined ? { secretRef: value.secretRef } : { ...value };
      continue;
    }
    const ok =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok) {
      throw new SqlParameterError(
        `parameter ${name} must be a string, finite number, boolean, null or secret reference`,
      );
    }
    out[name] = value;
  }
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Java's String.trim(): strips characters up to U+0020 (what the runner trims a runtime property with). */
function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

/** The literals the runner reads typed from a runtime property (Runner.propertyValue). */
const PROPERTY_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * The parameters as Managed Flink runtime properties (flat strings) for the runner's property group
 * (`PARAMS_PROPERTY_GROUP`, `SqlParameters`), read back with the same types: numbers, booleans and null as JSON
 * literals (`42`, `true`, `null`), a {@link SecretRef} as `secretref:<id>` or `secretref:<id>#<jsonKey>`, a string as
 * it is — or JSON-quoted (`"42"`, `"secretref:x"`) when the runner would otherwise read it as a literal or a
 * reference. Throws when a value exceeds Managed Flink's 2,048 characters (the message names the parameter only).
 */
export function toRuntimeProperties(params: Readonly<Record<string, SqlParamInput>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    let text: string;
    if (value === null) text = 'null';
    else if (typeof value === 'boolean') text = String(value);
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new SqlParameterError(`parameter ${name} must be a finite number`);
      text = String(value);
    } else if (typeof value === 'string') {
      const trimmed = javaTrim(value);
      const literal =
        trimmed === 'true' ||
        trimmed === 'false' ||
        trimmed === 'null' ||
        trimmed.startsWith('"') ||
        PROPERTY_NUMBER.test(trimmed) ||
        trimmed.startsWith(SECRET_REF_PROPERTY_PREFIX);
      text = literal ? JSON.stringify(value) : value;
    } else {
      const problem = secretRefProblem(value);
      if (problem) throw new SqlParameterError(`parameter ${name}: not a valid secret reference (${problem})`);
      text = `${SECRET_REF_PROPERTY_PREFIX}${value.secretRef}${value.jsonKey === undefined ? '' : `#${value.jsonKey}`}`;
    }
    if (text.length > RUNTIME_PROPERTY_VALUE_MAX_LENGTH) {
      throw new SqlParameterError(
        `parameter ${name}: ${text.length} characters as a runtime property, over Managed Flink's ${RUNTIME_PROPERTY_VALUE_MAX_LENGTH}`,
      );
    }
    out[name] = text;
  }
  return out;
}

type State = 'code' | 'string' | 'ident' | 'line-comment' | 'block-comment';
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function render(name: string, value: SqlParamValue, state: State): string {
  if (value !== null && typeof value === 'object') {
    throw new SqlParameterError(`parameter ${name} must be a string, number, boolean or null`);
  }
  if (state === 'string' || state === 'ident') {
    if (value === null) {
      throw new SqlParameterError(
        `parameter ${name} is null but used ${state === 'string' ? 'inside a string literal' : 'as an identifier'}`,
      );
    }
    return state === 'string' ? String(value).replaceAll("'", "''") : String(value).replaceAll('`', '``');
  }
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

/** Walks SQL text like the runner's substitution; `replace` returns the text for each placeholder. */
function scan(sql: string, replace: (name: string, state: State) => string): string {
  let out = '';
  let state: State = 'code';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const next = i + 1 < n ? sql[i + 1] : '';
    if (state === 'line-comment') {
      out += c;
      i++;
      if (c === '\n') state = 'code';
      continue;
    }
    if (state === 'block-comment') {
      out += c;
      i++;
      if (c === '*' && next === '/') {
        out += '/';
        i++;
        state = 'code';
      }
      continue;
    }
    if (c === '$' && next === '$' && sql[i + 2] === '{') {
      out += '${';
      i += 3;
      continue;
    }
    if (c === '$' && next === '{') {
      const end = sql.indexOf('}', i + 2);
      if (end < 0) throw new SqlParameterError(`unterminated placeholder at: ${sql.slice(i, i + 40)}`);
      const name = sql.slice(i + 2, end);
      if (!NAME.test(name)) throw new SqlParameterError(`bad placeholder name '${name}' at: ${sql.slice(i, i + 40)}`);
      out += replace(name, state);
      i = end + 1;
      continue;
    }
    if (state === 'code') {
      if (c === "'") state = 'string';
      else if (c === '`') state = 'ident';
      else if (c === '-' && next === '-') state = 'line-comment';
      else if (c === '/' && next === '*') {
        out += '/*';
        i += 2;
        state = 'block-comment';
        continue;
      }
    } else if (state === 'string' || state === 'ident') {
      const quote = state === 'string' ? "'" : '`';
      if (c === quote) {
        if (next === quote) {
          out += quote + quote;
          i += 2;
          continue;
        }
        state = 'code';
      }
    }
    out += c;
    i++;
  }
  return out;
}

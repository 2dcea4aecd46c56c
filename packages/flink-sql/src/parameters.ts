/**
 * Typed `${name}` parameters of the runner's SQL: declarations, binding values to them, and a TypeScript mirror of
 * the runner's substitution (for local dry runs and SQL validation in tests).
 */

/** A typed parameter value: strings become escaped SQL literals, numbers and booleans stay typed. */
export type SqlParamValue = string | number | boolean | null;

/** The value type a parameter declares. */
export type SqlParameterType = 'string' | 'number' | 'boolean';

/** A parameter the SQL references as `${name}`: its type and meaning. */
export interface SqlParameter<T extends SqlParameterType = SqlParameterType> {
  readonly type: T;
  /** What the value is, e.g. `Kinesis stream name`. */
  readonly doc: string;
  /** A secret (password, key): never log it; on Managed Flink pass it as a reference, not as a runtime property. */
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

type ValueOfType<T> = T extends 'string' ? string : T extends 'number' ? number : T extends 'boolean' ? boolean : never;

/** The values a template needs: one per declared parameter, of its declared type. */
export type SqlParameterValues<P extends SqlParameters> = {
  -readonly [K in keyof P]: P[K] extends SqlParameter<infer T> ? ValueOfType<T> : never;
};

/** Values that do not match a template's parameters; the message names every problem. */
export class SqlParameterError extends TypeError {
  override readonly name = 'SqlParameterError';
}

/**
 * Checks values against a template's parameters — every declared one present with its type, nothing else, numbers
 * finite — and returns them as the runner's parameter map (for `writeParamsFile`, or Managed Flink runtime
 * properties). Throws {@link SqlParameterError} naming all missing, unknown and mistyped parameters at once.
 */
export function bindParameters<P extends SqlParameters>(
  template: SqlTemplate<P>,
  values: SqlParameterValues<P>,
): Record<string, SqlParamValue> {
  const given = values as Record<string, unknown>;
  const problems: string[] = [];
  const missing = Object.keys(template.parameters).filter((name) => given[name] === undefined);
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(template.parameters, name));
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
  if (unknown.length > 0) problems.push(`unknown ${unknown.join(', ')}`);
  const out: Record<string, SqlParamValue> = {};
  for (const [name, spec] of Object.entries(template.parameters)) {
    const value = given[name];
    if (value === undefined) continue;
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
 * untouched; `$${` stands for `${`. Throws naming every missing and unknown parameter. The runner does this itself;
 * use this to look at, or validate, the SQL a job will run.
 */
export function substituteParameters(sql: string, values: Readonly<Record<string, SqlParamValue>>): string {
  const used = new Set<string>();
  const missing = new Set<string>();
  const out = scan(sql, (name, state) => {
    used.add(name);
    if (!Object.hasOwn(values, name)) {
      missing.add(name);
      return `\${${name}}`;
    }
    return render(name, values[name] as SqlParamValue, state);
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

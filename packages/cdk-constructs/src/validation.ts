/**
 * Synth-time checks shared by the constructs. Every failure is a `ConfigurationError` whose message names the prop
 * and the limit it breaks, thrown while the construct is built (so `cdk synth` fails before anything deploys).
 */
import { ConfigurationError } from '@pipeline/commons';
import { FirehosePrefixError, validateFirehosePrefixes } from '@pipeline/firehose-transform';
import { Token } from 'aws-cdk-lib';

export { ConfigurationError };

/** `existingX` or `xProps`, never both: returns which one was given (or neither). */
export function existingOrProps<E, P>(
  existingName: string,
  existing: E | undefined,
  propsName: string,
  props: P | undefined,
): { existing: E } | { props: P | undefined } {
  if (existing !== undefined && props !== undefined) {
    throw new ConfigurationError(existingName, `give ${existingName} or ${propsName}, not both`);
  }
  return existing !== undefined ? { existing } : { props };
}

/** An integer in `[min, max]` (tokens pass: their value is only known at deploy time). */
export function checkInteger(option: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigurationError(option, `must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** A number in `[min, max]`. */
export function checkRange(option: string, value: number | undefined, min: number, max: number, unit = ''): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigurationError(option, `must be from ${min} to ${max}${unit}, got ${value}${unit}`);
  }
}

/**
 * The delivery's S3 prefix and error-output prefix, with the rules the local Firehose delivery enforces
 * (`@pipeline/firehose-transform`, the same code the local Firehose of `@pipeline/local-stack` runs): known `!{namespace:value}` expressions, supported timestamp patterns,
 * `!{firehose:error-output-type}` only in the error prefix, and an error prefix whenever the prefix has expressions.
 */
export function checkFirehosePrefixes(prefix: string, errorOutputPrefix: string): void {
  try {
    validateFirehosePrefixes(prefix, errorOutputPrefix);
  } catch (error) {
    if (error instanceof FirehosePrefixError) {
      const option = error.message.includes('errorOutputPrefix') ? 'errorOutputPrefix' : 'prefix';
      throw new ConfigurationError(option, error.message);
    }
    throw error;
  }
  for (const [option, value] of [
    ['prefix', prefix],
    ['errorOutputPrefix', errorOutputPrefix],
  ] as const) {
    if (value.length > 1024) throw new ConfigurationError(option, `at most 1,024 characters, got ${value.length}`);
    if (value.startsWith('/')) throw new ConfigurationError(option, 'must not start with "/"');
  }
}

/** The `!{partitionKeyFromLambda:key}` keys of a prefix, in order. */
export function lambdaPartitionKeys(prefix: string): string[] {
  return [...prefix.matchAll(/!\{partitionKeyFromLambda:([^}]+)\}/g)].map((m) => m[1] as string);
}

/** Managed Flink runtime property limits (API `PropertyGroup`). */
export const PROPERTY_GROUP_LIMITS = {
  /** Characters of a property group id. */
  groupIdMaxLength: 50,
  /** Properties in one group. */
  propertiesPerGroup: 50,
  /** Characters of a property key. */
  keyMaxLength: 2048,
  /** Characters of a property value. */
  valueMaxLength: 2048,
  /** Property groups of one application. */
  groups: 50,
} as const;

/** Checks runtime property groups against Managed Flink's limits; unresolved token values are not measured. */
export function checkPropertyGroups(
  option: string,
  groups: Readonly<Record<string, Readonly<Record<string, string>>>>,
) {
  const ids = Object.keys(groups);
  if (ids.length > PROPERTY_GROUP_LIMITS.groups) {
    throw new ConfigurationError(option, `at most ${PROPERTY_GROUP_LIMITS.groups} property groups, got ${ids.length}`);
  }
  for (const id of ids) {
    if (id.length === 0 || id.length > PROPERTY_GROUP_LIMITS.groupIdMaxLength) {
      throw new ConfigurationError(
        `${option}.${id}`,
        `a property group id has 1 to ${PROPERTY_GROUP_LIMITS.groupIdMaxLength} characters, got ${id.length}`,
      );
    }
    const entries = Object.entries(groups[id] as Record<string, string>);
    if (entries.length > PROPERTY_GROUP_LIMITS.propertiesPerGroup) {
      throw new ConfigurationError(
        `${option}.${id}`,
        `at most ${PROPERTY_GROUP_LIMITS.propertiesPerGroup} properties per group, got ${entries.length}`,
      );
    }
    for (const [key, value] of entries) {
      if (key.length === 0 || key.length > PROPERTY_GROUP_LIMITS.keyMaxLength) {
        throw new ConfigurationError(`${option}.${id}`, `property key "${key.slice(0, 40)}" is empty or too long`);
      }
      if (!Token.isUnresolved(value) && value.length > PROPERTY_GROUP_LIMITS.valueMaxLength) {
        throw new ConfigurationError(
          `${option}.${id}.${key}`,
          `a runtime property value has at most ${PROPERTY_GROUP_LIMITS.valueMaxLength} characters, got ${value.length}`,
        );
      }
    }
  }
}

import { App, ArnFormat, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  checkFirehosePrefixes,
  checkPropertyGroups,
  lambdaPartitionKeys,
  nagFlatten,
  PROPERTY_GROUP_LIMITS,
} from '../../src/index.js';
import { existingOrProps } from '../../src/validation.js';

function errorOf(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('no error thrown');
}

describe('prefix validation (the local Firehose rules)', () => {
  it('accepts the taxi prefixes', () => {
    expect(() =>
      checkFirehosePrefixes(
        'nyctaxitrips/year=!{partitionKeyFromLambda:year}/hour=!{partitionKeyFromLambda:hour}/',
        'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
      ),
    ).not.toThrow();
  });

  it('rejects a week-based year, naming the prop', () => {
    const error = errorOf(() =>
      checkFirehosePrefixes('data/!{timestamp:YYYY}/', 'errors/!{firehose:error-output-type}/'),
    );
    expect(error.option).toBe('prefix');
    expect(error.message).toMatch(/week-based-year/);
  });

  it('rejects error-output-type outside the error prefix', () => {
    const error = errorOf(() => checkFirehosePrefixes('data/!{firehose:error-output-type}/', 'errors/'));
    expect(error.option).toBe('prefix');
  });

  it('rejects a prefix with expressions and an empty error prefix', () => {
    expect(errorOf(() => checkFirehosePrefixes('data/!{timestamp:yyyy}/', '')).message).toMatch(/ErrorOutputPrefix/);
  });

  it('rejects prefixes over 1,024 characters', () => {
    expect(errorOf(() => checkFirehosePrefixes('a'.repeat(1025), 'e/')).message).toMatch(/1,024/);
  });

  it('lists the Lambda partition keys in order', () => {
    expect(lambdaPartitionKeys('t/y=!{partitionKeyFromLambda:y}/m=!{partitionKeyFromLambda:m}/')).toEqual(['y', 'm']);
  });
});

describe('runtime property limits', () => {
  it('rejects a value over 2,048 characters, naming group and key', () => {
    const error = errorOf(() => checkPropertyGroups('propertyGroups', { G: { k: 'x'.repeat(2049) } }));
    expect(error.option).toBe('propertyGroups.G.k');
    expect(error.message).toMatch(/2048/);
  });

  it('rejects more than 50 properties in a group', () => {
    const map = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(errorOf(() => checkPropertyGroups('propertyGroups', { G: map })).message).toMatch(/at most 50 properties/);
  });

  it('accepts exactly the limits', () => {
    const map = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'x'.repeat(2048)]));
    expect(() => checkPropertyGroups('p', { ['g'.repeat(PROPERTY_GROUP_LIMITS.groupIdMaxLength)]: map })).not.toThrow();
  });

  it('rejects a group id over 50 characters', () => {
    expect(errorOf(() => checkPropertyGroups('p', { ['g'.repeat(51)]: {} })).message).toMatch(/1 to 50 characters/);
  });
});

describe('existing or props', () => {
  it('refuses both, naming the two props', () => {
    const error = errorOf(() => existingOrProps('existingBucket', {}, 'bucketProps', {}));
    expect(error.message).toBe('existingBucket: give existingBucket or bucketProps, not both');
  });
});

describe('nagFlatten', () => {
  it('spells tokens as cdk-nag does', () => {
    const stack = new Stack(new App(), 'S');
    expect(
      nagFlatten(
        stack,
        `${stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })}`,
      ),
    ).toBe('arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*');
    expect(nagFlatten(stack, 'plain')).toBe('plain');
  });
});

/**
 * An aws-cdk-lib class instance as one of its interfaces. Under `exactOptionalPropertyTypes` TypeScript rejects
 * e.g. `Bucket` → `IBucket` (the interfaces declare optional members without `| undefined`), so consumers compiled
 * with that flag could not use these constructs' fields otherwise.
 */
export function asInterface<I>(value: object): I {
  return value as I;
}

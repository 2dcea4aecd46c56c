/**
 * The runner's SQL parameters as Managed Flink runtime properties: values bound and type-checked against the
 * `@pipeline/flink-sql` template, secret parameters only as Secrets Manager references to secrets the application is
 * granted, every group within the service's limits (value ≤ 2,048 characters, ≤ 50 properties per group).
 */
import {
  bindParameters,
  isSecretRef,
  PARAMS_PROPERTY_GROUP,
  SqlParameterError,
  type SqlParameters,
  type SqlParameterValues,
  type SqlParamInput,
  type SqlTemplate,
  toRuntimeProperties,
} from '@pipeline/flink-sql';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { ConfigurationError, checkPropertyGroups } from './validation.js';

/** A secret the application reads (a `secretsmanager.Secret` or `ISecret`): its ARN and a read grant. */
export interface SecretReference {
  readonly secretArn: string;
  grantRead(grantee: iam.IGrantable): iam.Grant;
}

export interface RuntimePropertiesInput<P extends SqlParameters> {
  readonly sql: SqlTemplate<P>;
  readonly parameters: SqlParameterValues<P>;
  readonly secrets: readonly SecretReference[];
  /** Default `SqlParameters` (the group the runner reads). */
  readonly propertyGroupId?: string;
  readonly extraPropertyGroups?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Property groups for the application, checked; throws `ConfigurationError` naming `parameters.<name>`. */
export function sqlRuntimeProperties<P extends SqlParameters>(
  input: RuntimePropertiesInput<P>,
): Record<string, Record<string, string>> {
  let bound: Record<string, SqlParamInput>;
  try {
    bound = bindParameters(input.sql, input.parameters);
  } catch (error) {
    if (error instanceof SqlParameterError) throw new ConfigurationError('parameters', error.message);
    throw error;
  }
  const secretArns = new Set(input.secrets.map((s) => s.secretArn));
  for (const [name, value] of Object.entries(bound)) {
    const declared = input.sql.parameters[name];
    if (declared?.secret === true && !isSecretRef(value)) {
      throw new ConfigurationError(
        `parameters.${name}`,
        'is a secret: bind secretRef(secret.secretArn, jsonKey) and list the secret in `secrets`, never the value',
      );
    }
    if (isSecretRef(value) && !secretArns.has(value.secretRef)) {
      throw new ConfigurationError(
        `parameters.${name}`,
        'references a secret that is not in `secrets` (by ARN): the application could not read it',
      );
    }
  }
  const groupId = input.propertyGroupId ?? PARAMS_PROPERTY_GROUP;
  let properties: Record<string, string>;
  try {
    properties = toRuntimeProperties(bound);
  } catch (error) {
    if (error instanceof SqlParameterError) throw new ConfigurationError('parameters', error.message);
    throw error;
  }
  const groups: Record<string, Record<string, string>> = { [groupId]: properties };
  for (const [id, map] of Object.entries(input.extraPropertyGroups ?? {})) {
    if (id === groupId) throw new ConfigurationError(`extraPropertyGroups.${id}`, 'is the SQL parameter group');
    groups[id] = { ...map };
  }
  checkPropertyGroups('propertyGroups', groups);
  return groups;
}

// The cross-check of the offline proof: the synthesized runtime properties bind the runner's SQL. The application
// jar staged in cdk.out runs `--validate` with exactly the Managed Flink application's PropertyGroups (deploy-time
// tokens replaced by AWS-shaped stand-ins): the SQL is substituted, its DDL registered and its INSERT planned against
// the connectors inside the jar, nothing executed, no AWS endpoint contacted. Needs a JVM, hence the integration run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RUNNER_MAIN_CLASS } from '@pipeline/flink-sql-runner';
import { ensureFlinkRuntime, FLINK_JAVA17_OPTIONS, findJdk } from '@pipeline/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTaxiApp, STACK_NAME } from '../../cdk/app.js';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface PropertyGroup {
  PropertyGroupId: string;
  PropertyMap: Record<string, unknown>;
}
interface FlinkApplication {
  ApplicationConfiguration: {
    ApplicationCodeConfiguration: { CodeContent: { S3ContentLocation: { FileKey: string } } };
    EnvironmentProperties: { PropertyGroups: PropertyGroup[] };
  };
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'taxi-cdk-dry-run-'));
let resources: Record<string, Resource> = {};
let application: FlinkApplication;
let applicationJar = '';
let flinkClasspath: string[] = [];

/**
 * A deploy-time value as CloudFormation would resolve it, in the shape of the real one (a Kinesis stream's Ref is its
 * name, a secret's Ref its ARN, a domain's endpoint a search-*.es.amazonaws.com host). Unknown intrinsics fail.
 */
function standIn(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const object = value as Record<string, unknown>;
  if ('Ref' in object) {
    const id = object.Ref as string;
    const pseudo: Record<string, string> = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
    };
    if (pseudo[id]) return pseudo[id];
    const type = resources[id]?.Type;
    if (type === 'AWS::Kinesis::Stream') return `pipelinetaxi-${id.toLowerCase()}`;
    if (type === 'AWS::SecretsManager::Secret')
      return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-AbCdEf`;
    throw new Error(`no stand-in for Ref ${id} (${type})`);
  }
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    if (resources[id]?.Type === 'AWS::OpenSearchService::Domain' && attribute === 'DomainEndpoint') {
      return `search-${id.toLowerCase()}-abcdefghijklmnop.${REGION}.es.amazonaws.com`;
    }
    throw new Error(`no stand-in for Fn::GetAtt ${id}.${attribute}`);
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(standIn).join(separator);
  }
  throw new Error(`no stand-in for ${JSON.stringify(value)}`);
}

/**
 * The application's PropertyGroups with stand-ins for tokens (optionally without one property), written the way
 * Managed Flink hands them to the job (/etc/flink/application_properties.json, read by the same reader).
 */
function propertiesFile(name: string, without?: string): string {
  const groups = application.ApplicationConfiguration.EnvironmentProperties.PropertyGroups.map((group) => ({
    PropertyGroupId: group.PropertyGroupId,
    PropertyMap: Object.fromEntries(
      Object.entries(group.PropertyMap)
        .filter(([key]) => key !== without)
        .map(([key, value]) => [key, standIn(value)]),
    ),
  }));
  const file = path.join(outdir, name);
  fs.writeFileSync(file, JSON.stringify(groups));
  return file;
}

/** The application jar's bundled SQL (no --sql, as on Managed Flink) validated with a runtime properties file. */
function validate(properties: string): { status: number | null; stderr: string } {
  const result = spawnSync(
    findJdk().java,
    [
      ...FLINK_JAVA17_OPTIONS,
      '-cp',
      [...flinkClasspath, applicationJar].join(path.delimiter),
      RUNNER_MAIN_CLASS,
      '--properties',
      properties,
      '--validate',
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
  return { status: result.status, stderr: result.stderr };
}

beforeAll(async () => {
  const { app } = await buildTaxiApp({ nag: false, outdir });
  const assembly = app.synth();
  const template = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${STACK_NAME}.template.json`), 'utf8'));
  resources = template.Resources;
  const applications = Object.values(resources).filter((r) => r.Type === 'AWS::KinesisAnalyticsV2::Application');
  expect(applications).toHaveLength(1);
  application = (applications[0] as Resource).Properties as unknown as FlinkApplication;
  // The jar asset CDK uploads as the application code: cdk.out/asset.<FileKey>.
  const fileKey =
    application.ApplicationConfiguration.ApplicationCodeConfiguration.CodeContent.S3ContentLocation.FileKey;
  applicationJar = path.join(assembly.directory, `asset.${fileKey}`);
  const jdk = findJdk();
  flinkClasspath = (await ensureFlinkRuntime({ javaHome: jdk.home })).classpath;
}, 600_000);

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('the synthesized runtime properties bind the runner SQL of the application jar', () => {
  it('validates: DDL registered, INSERT planned, secrets checked not read, nothing executed', () => {
    expect(fs.existsSync(applicationJar), applicationJar).toBe(true);
    const result = validate(propertiesFile('application_properties.json'));
    expect(result.stderr).toMatch(/SQL from sql\/10-taxi-analytics\.sql: \d+ statement\(s\), \d+ parameter\(s\)/);
    expect(result.stderr).toContain('2 secret reference(s): <secret ref ok>');
    expect(result.stderr).toMatch(/validated: \d+ DDL statement\(s\) run in the catalog, 5 INSERT\(s\) planned/);
    expect(result.status, result.stderr).toBe(0);
  });

  it('bites: the same properties without the index parameter fail naming it', () => {
    const result = validate(propertiesFile('without-index.json', 'airportTripsIndex'));
    expect(result.stderr).toContain('missing parameter(s) airportTripsIndex');
    expect(result.status).toBe(2);
  });
});

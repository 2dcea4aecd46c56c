// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the runner's ${name} placeholders are plain text here
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FlinkSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import {
  bindParameters,
  isSecretRef,
  PARAMS_PROPERTY_GROUP,
  paramsFileContent,
  SqlParameterError,
  secretMarker,
  secretRef,
  substituteParameters,
  toRuntimeProperties,
  windowedAggregatePipeline,
  writeParamsFile,
} from '../../src/index.js';
import { tripSchema } from '../helpers/taxi-schema.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:os-creds-AbCdEf';

describe('secretRef', () => {
  it('makes a frozen reference, with or without a JSON key', () => {
    expect(secretRef(ARN, 'password')).toEqual({ secretRef: ARN, jsonKey: 'password' });
    expect(secretRef('db-password')).toEqual({ secretRef: 'db-password' });
    expect(Object.keys(secretRef('db-password'))).toEqual(['secretRef']);
    expect(Object.isFrozen(secretRef(ARN))).toBe(true);
    expect(secretMarker(secretRef(ARN, 'password'))).toBe(`<secret:${ARN}#password>`);
    expect(secretMarker(secretRef('x'))).toBe('<secret:x>');
  });

  it('refuses ids the runtime-property form could not carry, and empty keys', () => {
    expect(() => secretRef('')).toThrow(SqlParameterError);
    expect(() => secretRef('a b')).toThrow(/without blanks or #/);
    expect(() => secretRef('a#b')).toThrow(/without blanks or #/);
    expect(() => secretRef('a', '')).toThrow(/jsonKey must be a non-empty string/);
    expect(secretRef('a', 'k#1')).toEqual({ secretRef: 'a', jsonKey: 'k#1' }); // everything after the first # is the key
  });

  it('recognises well-formed references only', () => {
    expect(isSecretRef({ secretRef: 'a' })).toBe(true);
    expect(isSecretRef({ secretRef: 'a', jsonKey: 'k' })).toBe(true);
    expect(isSecretRef({ secretRef: 'a', jsonKey: undefined })).toBe(true);
    expect(isSecretRef({ secretRef: 'a', key: 'k' })).toBe(false);
    expect(isSecretRef({ secretRef: 1 })).toBe(false);
    expect(isSecretRef({})).toBe(false);
    expect(isSecretRef(null)).toBe(false);
    expect(isSecretRef('secretref:a')).toBe(false);
    expect(isSecretRef([ARN])).toBe(false);
  });
});

describe('bindParameters with secret references', () => {
  const template = {
    sql: "SELECT ${user}, ${n} FROM t WHERE p = '${password}'",
    parameters: {
      user: { type: 'string', doc: 'user' },
      password: { type: 'string', doc: 'password', secret: true },
      n: { type: 'number', doc: 'n' },
    },
  } as const;

  it('accepts a reference for any string parameter, and a plain value still', () => {
    const bound = bindParameters(template, {
      user: secretRef(ARN, 'username'),
      password: secretRef(ARN, 'password'),
      n: 1,
    });
    expect(bound).toEqual({
      user: { secretRef: ARN, jsonKey: 'username' },
      password: { secretRef: ARN, jsonKey: 'password' },
      n: 1,
    });
    // Local runs (an emulator's dummy credentials) may still pass the value itself.
    expect(bindParameters(template, { user: 'u', password: 'local', n: 1 }).password).toBe('local');
  });

  it('refuses a reference for a number or boolean parameter and malformed references, never quoting values', () => {
    const bad = { user: { secretRef: '' }, password: 'hunter2', n: secretRef(ARN) } as unknown as {
      user: string;
      password: string;
      n: number;
    };
    let message = '';
    try {
      bindParameters(template, bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'SQL parameters do not match: user: not a valid secret reference (the secret id must be a non-empty ARN or ' +
        'name without blanks or #); n must be a finite number, got a secret reference (secrets resolve to strings)',
    );
    expect(message).not.toContain('hunter2');
    // @ts-expect-error -- a number parameter takes no secret reference
    expect(() => bindParameters(template, { user: 'u', password: 'p', n: secretRef(ARN) })).toThrow(/n must be/);
  });

  it('renders a reference as its marker in substituted SQL, escaped by context', () => {
    const bound = bindParameters(template, { user: secretRef("it's"), password: secretRef(ARN, 'password'), n: 2 });
    expect(substituteParameters(template.sql, bound)).toBe(
      `SELECT '<secret:it''s>', 2 FROM t WHERE p = '<secret:${ARN}#password>'`,
    );
  });
});

describe('the JSON parameters file', () => {
  it('writes references as {"secretRef", "jsonKey"} objects next to typed values', () => {
    const params = { pw: secretRef(ARN, 'password'), whole: secretRef('db-password'), n: 3, s: 'x', z: null };
    expect(JSON.parse(paramsFileContent(params))).toEqual({
      pw: { secretRef: ARN, jsonKey: 'password' },
      whole: { secretRef: 'db-password' },
      n: 3,
      s: 'x',
      z: null,
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-sql-secrets-'));
    try {
      const file = path.join(dir, 'sub', 'params.json');
      writeParamsFile(file, params);
      expect(fs.readFileSync(file, 'utf8')).toBe(paramsFileContent(params));
      expect(fs.readFileSync(file, 'utf8')).toContain(
        `"pw": {\n    "secretRef": "${ARN}",\n    "jsonKey": "password"\n  }`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses objects that are not secret references', () => {
    expect(() => paramsFileContent({ o: { secretRef: ARN, extra: 1 } as unknown as string })).toThrow(
      'parameter o: not a valid secret reference (unexpected key(s) extra (a secret reference has secretRef and jsonKey))',
    );
    expect(() => paramsFileContent({ a: [1] as unknown as string })).toThrow(/parameter a/);
    expect(() => paramsFileContent({ n: Number.POSITIVE_INFINITY })).toThrow(/parameter n must be/);
  });
});

describe('toRuntimeProperties (the Managed Flink form, read back by Runner.propertyValue)', () => {
  it('writes references as secretref:<id>[#key] and typed values as JSON literals', () => {
    expect(
      toRuntimeProperties({
        pw: secretRef(ARN, 'password'),
        whole: secretRef('db-password'),
        n: 42,
        x: -1.5,
        big: 1e21,
        t: true,
        f: false,
        z: null,
        s: 'trips',
        url: 'http://127.0.0.1:9200',
      }),
    ).toEqual({
      pw: `secretref:${ARN}#password`,
      whole: 'secretref:db-password',
      n: '42',
      x: '-1.5',
      big: '1e+21',
      t: 'true',
      f: 'false',
      z: 'null',
      s: 'trips',
      url: 'http://127.0.0.1:9200',
    });
  });

  it('quotes strings the runner would otherwise read as a literal or a reference', () => {
    expect(
      toRuntimeProperties({
        num: '42',
        spaced: ' 7 ',
        bool: 'true',
        nul: 'null',
        quoted: '"hi"',
        ref: 'secretref:not-a-reference',
        refSpaced: '  secretref:x',
        fine: '042',
        upper: 'SECRETREF:x',
        word: 'truely',
      }),
    ).toEqual({
      num: '"42"',
      spaced: '" 7 "',
      bool: '"true"',
      nul: '"null"',
      quoted: '"\\"hi\\""',
      ref: '"secretref:not-a-reference"',
      refSpaced: '"  secretref:x"',
      fine: '042', // not a JSON number: the runner keeps it as a string
      upper: 'SECRETREF:x', // the prefix is lower-case only
      word: 'truely',
    });
  });

  it("refuses values over Managed Flink's 2,048 characters, naming the parameter only", () => {
    expect(toRuntimeProperties({ s: 'x'.repeat(2048) }).s).toHaveLength(2048);
    expect(() => toRuntimeProperties({ secretish: 'y'.repeat(2049) })).toThrow(
      "parameter secretish: 2049 characters as a runtime property, over Managed Flink's 2048",
    );
    expect(() => toRuntimeProperties({ n: Number.NaN })).toThrow(/parameter n must be a finite number/);
    expect(PARAMS_PROPERTY_GROUP).toBe('SqlParameters');
  });
});

describe('a pipeline on AWS with its OpenSearch credentials in Secrets Manager', () => {
  it('binds references to the secret parameters and stays valid Flink SQL', () => {
    const job = windowedAggregatePipeline({
      source: { schema: tripSchema, eventTime: 'pickupDate', outOfOrdernessSeconds: 5 },
      aggregate: { table: 'trip_stats', groupBy: ['vendorId'], measures: { trips: { count: true } } },
      sink: { basicAuth: true },
    });
    const bound = bindParameters(job, {
      kinesisStream: 'trips',
      awsRegion: 'eu-west-1',
      opensearchHosts: 'https://search.example:443',
      opensearchIndex: 'trip-stats',
      opensearchUsername: secretRef(ARN, 'username'),
      opensearchPassword: secretRef(ARN, 'password'),
    });
    const sql = substituteParameters(job.sql, bound);
    expect(new FlinkSQL().validate(sql)).toEqual([]);
    expect(sql).toContain(`'password' = '<secret:${ARN}#password>'`);
    expect(toRuntimeProperties(bound)).toMatchObject({
      opensearchUsername: `secretref:${ARN}#username`,
      opensearchPassword: `secretref:${ARN}#password`,
      opensearchIndex: 'trip-stats',
    });
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';

/** An app with the CloudFormation rules validator turned into errors, and one stack in a dummy environment. */
export function testStack(name = 'Test'): { app: App; stack: Stack } {
  const app = new App({
    context: { '@aws-cdk/core:validateAgainstDefaultRules': true },
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-constructs-test-')),
  });
  const stack = new Stack(app, name, { env: { account: '123456789012', region: 'eu-west-1' } });
  return { app, stack };
}

/** A few-byte jar (an empty zip archive) standing in for the runner jar in construct tests. */
export function tinyJar(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-jar-'));
  const file = path.join(dir, 'app.jar');
  // End-of-central-directory record of an empty zip.
  fs.writeFileSync(file, Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]));
  return file;
}

export const ECHO_HANDLER = new URL('../fixtures/echo-handler.ts', import.meta.url).pathname;

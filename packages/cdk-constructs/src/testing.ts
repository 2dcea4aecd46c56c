/**
 * Offline checks for stacks built from these constructs (used by this package's tests and the taxi example's):
 * cdk-nag `AwsSolutionsChecks` with the acknowledgments that no longer match a finding, an IAM walker, and cfn-lint
 * in a local virtual environment.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface NagReport {
  /** Unacknowledged findings: rule id (with detail) → construct paths. */
  readonly violations: ReadonlyArray<{ readonly rule: string; readonly paths: readonly string[] }>;
  /** Acknowledgments (`path|rule`) that matched no finding: remove them. */
  readonly unusedAcknowledgments: readonly string[];
  /** Acknowledgments that matched a finding, with their reason. */
  readonly usedAcknowledgments: ReadonlyArray<{ readonly key: string; readonly reason: string }>;
}

type AckCheck = (resource: IConstruct, ruleId: string) => boolean;

function acknowledgments(node: IConstruct): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of node.node.metadata) {
    if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
    for (const [key, reason] of Object.entries(entry.data as Record<string, unknown>)) {
      const id = key.replace(/^annotation::/i, '');
      if (id.startsWith('AwsSolutions-')) out.set(id, String(reason));
    }
  }
  return out;
}

/** Runs `AwsSolutionsChecks` over a scope and reports findings and stale acknowledgments. */
export function nagReport(scope: IConstruct): NagReport {
  const pack = new AwsSolutionsChecks();
  const used = new Map<string, string>();
  const check: AckCheck = (resource, ruleId) => {
    let current: IConstruct | undefined = resource;
    while (current) {
      const reason = acknowledgments(current).get(ruleId);
      if (reason !== undefined) {
        used.set(`${current.node.path}|${ruleId}`, reason);
        return true;
      }
      current = current.node.scope;
    }
    return false;
  };
  (pack as unknown as { isAcknowledged: AckCheck }).isAcknowledged = check;
  const report = pack.validateScope(scope);
  const all: string[] = [];
  const walk = (node: IConstruct) => {
    for (const id of acknowledgments(node).keys()) all.push(`${node.node.path}|${id}`);
    for (const child of node.node.children) walk(child);
  };
  walk(scope);
  return {
    violations: report.violations.map((v) => ({
      rule: v.ruleName,
      paths: v.violatingResources.map(
        (r) => (r as { constructPath?: string }).constructPath ?? r.resourceLogicalId ?? '?',
      ),
    })),
    unusedAcknowledgments: all.filter((key) => !used.has(key)),
    usedAcknowledgments: [...used].map(([key, reason]) => ({ key, reason })),
  };
}

/** One IAM statement problem found by {@link iamFindings}. */
export interface IamFinding {
  readonly resource: string;
  readonly problem: string;
}

/** Where `Resource: "*"` is allowed, and why: `<resource type>` → reason. */
export const REQUIRED_STAR_RESOURCES: Readonly<Record<string, string>> = {
  'AWS::KMS::Key': 'In a key policy "*" means the key itself (a key policy cannot name its own ARN).',
};

type Json = Record<string, unknown>;

function statementsOf(value: unknown, found: Array<{ statement: Json; where: string }>, where: string): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) statementsOf(v, found, `${where}[${i}]`);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const obj = value as Json;
  if (Array.isArray(obj.Statement)) {
    for (const s of obj.Statement as Json[]) found.push({ statement: s, where });
    return;
  }
  for (const [k, v] of Object.entries(obj)) statementsOf(v, found, `${where}.${k}`);
}

function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Walks every policy document of a template (IAM policies, roles, key, topic, queue, bucket and domain policies):
 * no `*` or `service:*` actions, no wildcard actions at all, and `Resource: "*"` only on the resource types in
 * {@link REQUIRED_STAR_RESOURCES}.
 */
export function iamFindings(template: Json): IamFinding[] {
  const findings: IamFinding[] = [];
  const resources = (template.Resources ?? {}) as Record<string, Json>;
  for (const [logicalId, resource] of Object.entries(resources)) {
    const found: Array<{ statement: Json; where: string }> = [];
    statementsOf(resource.Properties, found, logicalId);
    for (const { statement, where } of found) {
      if (statement.Effect === 'Deny') continue;
      for (const action of asList(statement.Action)) {
        if (typeof action !== 'string') continue;
        if (action === '*' || /^[a-z0-9-]+:\*$/i.test(action))
          findings.push({ resource: where, problem: `action ${action}` });
        else if (action.includes('*')) findings.push({ resource: where, problem: `wildcard action ${action}` });
      }
      if (statement.NotAction !== undefined) findings.push({ resource: where, problem: 'NotAction' });
      for (const res of asList(statement.Resource)) {
        if (res === '*' && REQUIRED_STAR_RESOURCES[resource.Type as string] === undefined) {
          findings.push({ resource: where, problem: `Resource "*" on ${String(resource.Type)}` });
        }
      }
    }
  }
  return findings;
}

/** The pinned cfn-lint. */
export const CFN_LINT_VERSION = '1.58.0';

/**
 * Runs cfn-lint over template files from a virtual environment `venvDir` (created with `python3 -m venv` and
 * `pip install cfn-lint==<pinned>` the first time). Returns the exit code (bit 2 = errors) and the output.
 */
export function cfnLint(
  templates: readonly string[],
  options: { venvDir: string; ignoreChecks?: readonly string[] },
): { status: number; output: string } {
  const python = path.join(options.venvDir, 'bin', 'python');
  const lint = path.join(options.venvDir, 'bin', 'cfn-lint');
  if (!fs.existsSync(lint)) {
    execFileSync('python3', ['-m', 'venv', options.venvDir], { stdio: 'pipe' });
    execFileSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `cfn-lint==${CFN_LINT_VERSION}`],
      {
        stdio: 'pipe',
      },
    );
  }
  const args = [...templates, ...(options.ignoreChecks?.length ? ['--ignore-checks', ...options.ignoreChecks] : [])];
  const result = spawnSync(lint, args, { encoding: 'utf8' });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/**
 * cdk-nag acknowledgments the constructs make for findings that are inherent to the AWS service (each with its
 * reason), and the flattened form cdk-nag uses for resource tokens in finding ids (`<LogicalId.Arn>`).
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Records an acknowledgment of a cdk-nag rule (or rule finding `Rule[detail]`) on a construct, with the reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The node 22 runtime finding (cdk-nag `AwsSolutions-L1` flags every runtime older than the newest Node.js). */
export const NODE22_REASON =
  'Pinned to the Node.js 22 runtime the @pipeline handlers are built and tested for; newer runtimes are adopted deliberately.';

/**
 * A value as cdk-nag spells it in finding ids: `{Ref: X}` → `<X>`, `{Fn::GetAtt: [X, Arn]}` → `<X.Arn>`, `Fn::Join`
 * joined, pseudo parameters `<AWS::Region>`.
 */
export function nagFlatten(scope: IConstruct, value: string): string {
  if (!Token.isUnresolved(value)) return value;
  return flatten(Stack.of(scope).resolve(value));
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return `<${obj.Ref}>`;
    const getAtt = obj['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = obj['Fn::Join'];
    if (Array.isArray(join)) {
      const [sep, parts] = join as [string, unknown[]];
      return parts.map(flatten).join(sep);
    }
  }
  return JSON.stringify(value);
}

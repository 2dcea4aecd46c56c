import { randomUUID } from 'node:crypto';
import type { Context, FirehoseTransformationEvent } from 'aws-lambda';
import { type CheckedRecord, checkTransformationResponse } from './event.js';
import type { FirehoseDeliveryHandler } from './types.js';

export interface ProcessorSettings {
  handler: FirehoseDeliveryHandler;
  /** Retries after a failed invocation (throw, rejection, timeout, bad response). */
  retries: number;
  /** The Lambda timeout, ms: an invocation still running then fails with Lambda's message. */
  timeoutMs: number;
  lambdaArn: string;
}

/** What one invocation (with its retries) came to: checked records, or the last error. */
export interface InvocationOutcome {
  checked?: CheckedRecord[];
  error?: string;
  /** Invocations made, retries included. */
  attempts: number;
  /** Failed invocations among them. */
  failures: number;
  /** Time spent in the handler, ms. */
  elapsedMs: number;
}

/** A Lambda context that counts down from `deadline` (epoch ms). */
export function lambdaContext(lambdaArn: string, deadline: number): Context {
  const functionName = lambdaArn.split(':').pop() ?? 'transform';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: lambdaArn,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local-firehose',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Invokes the transformation handler in-process as Firehose invokes its Lambda: a fresh context per attempt, a time-out,
 * the response checked against the event, and up to `retries` retries on any failure.
 */
export async function invokeProcessor(
  settings: ProcessorSettings,
  event: FirehoseTransformationEvent,
): Promise<InvocationOutcome> {
  const outcome: InvocationOutcome = { attempts: 0, failures: 0, elapsedMs: 0 };
  let message = '';
  for (let attempt = 0; attempt <= settings.retries; attempt++) {
    outcome.attempts++;
    const started = performance.now();
    const deadline = Date.now() + settings.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Task timed out after ${settings.timeoutMs / 1000} seconds`)),
          settings.timeoutMs,
        );
      });
      const context = lambdaContext(settings.lambdaArn, deadline);
      const response = await Promise.race([Promise.resolve(settings.handler(event, context)), timeout]);
      outcome.checked = checkTransformationResponse(event, response);
      return outcome;
    } catch (err) {
      outcome.failures++;
      message = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timer);
      outcome.elapsedMs += performance.now() - started;
    }
  }
  outcome.error = message;
  return outcome;
}

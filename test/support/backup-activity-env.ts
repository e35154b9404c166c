import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';

const silent: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** A MockActivityEnvironment that does not print the failures a test provokes on purpose. */
export function quietActivityEnv(info?: Partial<Info>): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: silent });
}

/** Runs an activity in a mock environment with its argument and result types kept. */
export function runActivity<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn as never, ...(args as unknown as never[])) as Promise<R>;
}

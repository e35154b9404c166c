/**
 * The tag each step's candidate carries: its own, else the one an earlier step set. Apart from the
 * plan's schema so the rollout workflow can use it without loading zod: every workflow module is
 * evaluated again for each workflow the worker creates or replays, and building the plan's schemas
 * was the largest part of that (bench: concurrency, parked-rollouts).
 */
export function effectiveTags(steps: readonly { tag?: string }[]): (string | undefined)[] {
  let tag: string | undefined;
  return steps.map((s) => (tag = s.tag ?? tag));
}

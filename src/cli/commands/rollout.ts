import type { Command } from 'commander';
import type { GlobalOptions } from '../context';
import { registerRolloutControls } from './rollout-controls';
import { registerRolloutList } from './rollout-list';
import { registerRolloutPlan, registerRolloutStart } from './rollout-start';
import { registerRolloutStatus } from './rollout-status';

/** `drillctl rollout ...`: staged cohort rollouts of a service group (plan, start, watch, decide). */
export function registerRollout(program: Command, global: () => GlobalOptions): void {
  const rollout = program.command('rollout').description('staged cohort rollouts: drills as gates, approvals between steps, bakes with analysis, compensation on every service');
  registerRolloutPlan(rollout, global);
  registerRolloutStart(rollout, global);
  registerRolloutStatus(rollout, global);
  registerRolloutControls(rollout, global);
  registerRolloutList(rollout, global);
}

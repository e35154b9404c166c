import type { RolloutStep } from '../../domain/rollout/plan-schema';
import type { RolloutRun } from './run';

/** The step's cohort hooks (`do`), in the plan's order; compensation undoes them newest first. */
export async function applyHooks(run: RolloutRun, step: RolloutStep): Promise<void> {
  const { state, input, workflowId } = run;
  if (step.hooks.length === 0) return;
  run.setPhase('hooks', `Step **${step.name}**: cohort hooks`);
  for (const hook of step.hooks) {
    run.checkStop();
    // Registered as applied before it runs: a hook that half-ran is undone too (undos are idempotent).
    if (!state.hooksApplied.some((h) => h.step === step.name && h.name === hook.name)) state.hooksApplied.push({ step: step.name, name: hook.name });
    const out = await run.acts.runCohortHook.executeWithOptions({ ...run.options.hook, summary: `cohort hook ${hook.name}: do` }, [
      { workflowId, environment: input.environment, step: step.name, hook: hook.name, params: hook.params, direction: 'do', idempotencyKey: `${workflowId}/${step.name}/${hook.name}/do` },
    ]);
    run.note('hook', `${hook.name} applied: ${out.detail}`);
  }
}

import { productionGuardProblem } from '../../domain/traffic/production-guard';
import { resolveRolloutServices, RolloutPreflightError } from '../../domain/rollout/revisions';
import { trafficSettled } from '../../domain/traffic/service-state';
import { runGate } from './gates';
import { RolloutStop, type RolloutRun } from './run';

/** Before any change: the production guard, baseline health, every service settled, one stable revision and a Ready candidate each. */
export async function preflight(run: RolloutRun): Promise<void> {
  const { input, plan, state } = run;
  run.setPhase('preflight', '**Pre-flight**: health and candidates');
  run.note('started', `${plan.steps.length} steps (${plan.steps.map((s) => `${s.name} ${s.percent}%`).join(', ')})`, input.initiator);
  const guard = productionGuardProblem({ environment: input.environment, production: input.production, changesTraffic: true, confirmation: input.confirmation, requestedBy: input.initiator, approvers: input.productionApprovers });
  if (guard) throw new RolloutStop(`${guard}; nothing was changed`, 'rollout');
  if (input.preflightHealth) {
    const health = await runGate(run, 'preflight', { kind: 'preflight-health', launch: input.preflightHealth });
    if (health.status !== 'passed') throw new RolloutStop(`pre-flight health failed: ${health.detail}`, 'rollout');
  }
  const described = await Promise.all(
    input.services.map(async (s) => {
      const d = await run.acts.describeCloudRunService.executeWithOptions({ ...run.options.read, summary: `read ${s.service}: traffic, status, revisions` }, [{ cloudRun: input.cloudRun, service: s.service }]);
      return { role: s.role, service: s.service, snapshot: d.snapshot, revisions: d.revisions, probe: s.probe };
    }),
  );
  const unsettled = described.find((d) => !trafficSettled(d.snapshot));
  if (unsettled) throw new RolloutStop(`service ${unsettled.service} has a traffic change in progress (generation ${unsettled.snapshot.generation}, observed ${unsettled.snapshot.observedGeneration}); wait for it and start again`, 'rollout');
  try {
    state.services = resolveRolloutServices(described, plan.candidates, plan.finish);
  } catch (err) {
    if (err instanceof RolloutPreflightError) throw new RolloutStop(`pre-flight: ${err.message}`, 'rollout');
    throw err;
  }
  for (const s of state.services) state.traffic[s.role] = s.original;
  run.note('preflight', state.services.map((s) => `${s.service}: stable ${s.stable} -> candidate ${s.candidate} (${s.candidateReason})`).join('; '));
  state.stepIndex = 0;
  state.phase = 'gates';
}

import type { AcceptanceCriterion, AttestationRecord, GateStep } from './results/readiness-gate';

/** The figures of a rollback drill result that acceptance needs (see src/domain/results/rollback.ts). */
interface RollbackFigures {
  rtoSeconds?: number;
  trafficRestored?: boolean;
}

const DRILL_NAMES: Record<GateStep['drill'], string> = {
  health: 'baseline health',
  backupRestore: 'backup/restore',
  replay: 'replay',
  rollback: 'rollback',
};

export function drillName(drill: GateStep['drill']): string {
  return DRILL_NAMES[drill];
}

/** The G7 report's three acceptance criteria (docs/origins.md), decided only from what the gate recorded. */
export function evaluateCriteria(environment: string, steps: GateStep[], attestation: AttestationRecord, rtoTargetSeconds: number): AcceptanceCriterion[] {
  const notPassed = steps.filter((s) => s.status !== 'passed');
  const drills: AcceptanceCriterion = {
    id: 'drills-succeeded',
    text: `Health, backup/restore, replay and rollback drills succeed in ${environment}`,
    status: notPassed.length === 0 ? 'PASS' : 'FAIL',
    detail: notPassed.length === 0 ? 'all four drills passed' : notPassed.map((s) => `${drillName(s.drill)} ${s.status}${s.error ? `: ${s.error}` : ''}`).join('; '),
  };

  const rollback = steps.find((s): s is GateStep<'rollback'> => s.drill === 'rollback');
  const figures: RollbackFigures = rollback?.result ?? {};
  let rto: AcceptanceCriterion;
  if (rollback?.status !== 'passed' && figures.rtoSeconds === undefined) {
    rto = { id: 'rto-within-target', text: 'Rollback drill completes within agreed RTO', status: 'FAIL', detail: `no RTO measured: rollback drill ${rollback?.status ?? 'not run'}` };
  } else {
    const within = figures.rtoSeconds !== undefined && figures.rtoSeconds <= rtoTargetSeconds;
    const restored = figures.trafficRestored === true;
    rto = {
      id: 'rto-within-target',
      text: 'Rollback drill completes within agreed RTO',
      status: within && restored ? 'PASS' : 'FAIL',
      detail: `${(figures.rtoSeconds ?? NaN).toFixed(2)}s ${within ? '<=' : '>'} ${rtoTargetSeconds}s${restored ? '' : '; original traffic NOT restored'}`,
    };
  }

  const docs: AcceptanceCriterion = {
    id: 'docs-attested',
    text: 'On-call docs and escalation paths are up to date',
    status: attestation.state === 'attested' ? 'PASS' : 'FAIL',
    detail:
      attestation.state === 'attested'
        ? `attested by ${attestation.attester}: ${attestation.reason}`
        : attestation.state === 'timed-out'
          ? `not attested within ${attestation.timeoutSeconds} s`
          : 'not attested',
  };
  return [drills, rto, docs];
}

import type { Command } from 'commander';
import type * as Doctor from '../../doctor';
import type { DoctorRow } from '../../doctor';
import { connectClient } from '../../temporal/connection';
import { closeMonitoringClients } from '../../activities/analysis/cloud-monitoring';
import { closeCloudRunClients } from '../../activities/traffic/cloud-run-clients';
import { CliError, ExitCode } from '../errors';
import { loadEnvironment, temporalTarget, type GlobalOptions } from '../context';
import { emit } from '../output';

/** `drillctl doctor`: the read-only preflight. Exit 0 when nothing FAILs, 1 otherwise. */
export async function runDoctorCommand(g: GlobalOptions): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const doctor = require('../../doctor') as typeof Doctor;
  const { name, env } = loadEnvironment(g);
  const target = temporalTarget(g);
  let rows: DoctorRow[];
  const client = await connectClient(target).catch((err: Error) => err);
  try {
    rows = await doctor.runDoctor({
      environment: name,
      env,
      ...(client instanceof Error ? {} : { temporal: { client, address: target.address, namespace: target.namespace } }),
    });
    if (client instanceof Error) rows.unshift({ check: 'temporal reachable', status: 'FAIL', detail: `${target.address}: ${client.message}`, fix: 'start it (drillctl up) or point --address / TEMPORAL_ADDRESS at it' });
    else rows.unshift({ check: 'temporal reachable', status: 'PASS', detail: target.address });
  } finally {
    if (!(client instanceof Error)) await client.connection.close();
    await closeCloudRunClients();
    await closeMonitoringClients();
  }
  const failed = rows.some((r) => r.status === 'FAIL');
  emit({ environment: name, ok: !failed, rows }, { json: !!g.json }, (r) => `drillctl doctor: environment ${r.environment}\n${doctor.renderDoctorRows(r.rows)}\n${r.ok ? 'Nothing FAILs.' : 'Some checks FAIL: fix them before drills or rollouts.'}`);
  return failed ? ExitCode.failed : ExitCode.ok;
}

/**
 * Refuses a traffic-changing start when the group's preflight checks fail (services unreadable, a
 * permission missing, a secret unresolvable), listing the failing rows; nothing has started.
 */
export async function refuseOnPreflightFailure(g: GlobalOptions, group: string | undefined, what: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const doctor = require('../../doctor') as typeof Doctor;
  const { name, env } = loadEnvironment(g);
  const failures = await doctor.preflightFailures({ environment: name, env, ...(group ? { group } : {}) }).finally(() => closeCloudRunClients());
  if (failures.length) throw new CliError(`${what} refused: the preflight checks fail; nothing was started or changed\n${doctor.renderDoctorRows(failures)}`, ExitCode.failed, 'run `drillctl doctor` for every check');
}

export function registerDoctor(program: Command, global: () => GlobalOptions): void {
  program
    .command('doctor')
    .description('read-only preflight of an environment: Temporal, Cloud Run access and IAM, revision identity, Convex, runtime commands, secrets; one row per check')
    .action(async () => {
      process.exitCode = await runDoctorCommand(global());
    });
}

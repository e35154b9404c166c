// The Cloud Run sandbox in a process of its own, as production's Cloud Run is not in the worker's
// process: started by cloud-run-process.ts over an IPC channel.
import { seedServiceGroups, startCloudRunSandbox } from '../../src/sandbox/cloud-run';

async function main(): Promise<void> {
  // The header strategy on an instant data plane: the drill's figures compare with one exact switch instant.
  const sandbox = await startCloudRunSandbox({ groups: seedServiceGroups(Number(process.argv[2])), identityHeader: 'x-serving-revision', migrationWindowMs: 0 });
  process.on('message', (m: { id: number; switches: string }) => {
    process.send!({ id: m.id, records: sandbox.switches(m.switches) });
  });
  process.on('disconnect', () => void sandbox.stop().then(() => process.exit(0)));
  process.send!({ ready: { project: sandbox.project, region: sandbox.region, grpcAddress: sandbox.grpcAddress, groups: sandbox.groups } });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

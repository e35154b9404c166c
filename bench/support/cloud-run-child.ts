// The Cloud Run sandbox in a process of its own, as production's Cloud Run is not in the worker's
// process: started by cloud-run-process.ts over an IPC channel.
import { seedServiceGroups, startCloudRunSandbox } from '../../src/sandbox/cloud-run';

async function main(): Promise<void> {
  // An instant data plane, so the drill's figures compare with one exact switch instant. Every
  // revision runs its own image version and an identity sidecar answers a header, so one sandbox
  // serves all three revision identity strategies.
  const groups = seedServiceGroups(Number(process.argv[2])).map((g) => ({
    ...g,
    services: g.services.map((s) => ({ ...s, revisions: s.revisions.map((r, i) => ({ ...r, image: `registry.example/convex-${s.kind}:1.${i}.0`, version: `1.${i}.0` })) })),
  }));
  const sandbox = await startCloudRunSandbox({ groups, identityHeader: 'x-serving-revision', migrationWindowMs: 0 });
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

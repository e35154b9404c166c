import type { Benchmark } from '../harness';

export const snapshotVerify: Benchmark = {
  name: 'snapshot-verify',
  description: 'not built yet',
  run() {
    return Promise.reject(new Error('snapshot-verify: not built yet'));
  },
};

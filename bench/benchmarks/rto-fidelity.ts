import type { Benchmark } from '../harness';

export const rtoFidelity: Benchmark = {
  name: 'rto-fidelity',
  description: 'not built yet',
  run() {
    return Promise.reject(new Error('rto-fidelity: not built yet'));
  },
};

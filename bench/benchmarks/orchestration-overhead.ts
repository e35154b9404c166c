import type { Benchmark } from '../harness';

export const orchestrationOverhead: Benchmark = {
  name: 'orchestration-overhead',
  description: 'not built yet',
  run() {
    return Promise.reject(new Error('orchestration-overhead: not built yet'));
  },
};

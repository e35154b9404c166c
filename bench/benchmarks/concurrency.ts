import type { Benchmark } from '../harness';

export const concurrency: Benchmark = {
  name: 'concurrency',
  description: 'not built yet',
  run() {
    return Promise.reject(new Error('concurrency: not built yet'));
  },
};

import type { Benchmark } from '../harness';

export const historyGrowth: Benchmark = {
  name: 'history-growth',
  description: 'not built yet',
  run() {
    return Promise.reject(new Error('history-growth: not built yet'));
  },
};

import { stopDevServer } from './temporal';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopDevServer();
  },
};

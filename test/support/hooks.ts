import { installTestRuntime, stopDevServer } from './temporal';

export const mochaHooks = {
  beforeAll(): void {
    installTestRuntime();
  },
  async afterAll(): Promise<void> {
    await stopDevServer();
  },
};

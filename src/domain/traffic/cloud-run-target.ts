import type { CloudRunConfig } from '../config/schema';

/** Where the Cloud Run Admin API lives for one environment; travels in workflow and activity inputs (no secrets). */
export interface CloudRunTarget extends CloudRunConfig {
  /** Only sandbox environments may point `apiEndpoint` at an emulator (the config schema says so too). */
  sandbox: boolean;
}

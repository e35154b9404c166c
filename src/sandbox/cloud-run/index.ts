// The local Cloud Run: Admin API v2 emulator, revision servers and routers (see sandbox.ts).
export { startCloudRunSandbox, type CloudRunSandbox, type CloudRunSandboxSpec, type ServiceGroupSpec, type ServiceSpec, type SandboxGroup, type SandboxService, type ServiceView } from './sandbox';
export { seedServiceGroup, seedServiceGroups } from './seed';
export { TAG_HOST_SEPARATOR, type SwitchRecord } from './router';
export { RequestLog, type ServedRequest } from './request-log';
export type { RoutingTable } from './traffic-rules';
export type { AuditedCall } from './admin-api';
export type { ApiTrafficTarget, ApiTrafficStatus } from './api-types';
export { registerCloudRunFaults } from './fault-registration';

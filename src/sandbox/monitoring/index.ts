// Cloud Monitoring (gRPC) and Prometheus (HTTP API) over the Cloud Run sandbox's request log.
export { startCloudMonitoringEmulator, type CloudMonitoringEmulator, type MonitoringCall } from './emulator';
export { startPrometheusApi, type PrometheusApi } from './prometheus-api';

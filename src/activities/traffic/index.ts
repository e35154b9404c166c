// Cloud Run traffic: the adapter on @google-cloud/run, its activities, and the data-plane probe.
export { createTrafficActivities, type TrafficActivityDeps, type DescribeServiceRequest, type DescribedService, type ShiftTrafficRequest, type RestoreTrafficRequest, type TrafficChangeOutcome, type ReadinessRequest, type ReadinessOutcome } from './traffic-activities';
export { probeServingRevision, probeServingRevisions, type ServingProbeRequest, type ServingProbeResult } from './probe-serving-revision';
export { CloudRunTrafficAdapter, type TrafficPort, type AdapterOptions } from './cloud-run-traffic';
export { cloudRunClients, cloudRunClientOptions, closeCloudRunClients, type CloudRunTarget, type CloudRunClients } from './cloud-run-clients';
export { TrafficFailure, NON_RETRYABLE_TRAFFIC_FAILURES, toTrafficFailure } from './api-errors';

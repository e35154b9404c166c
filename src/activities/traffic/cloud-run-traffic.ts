import type { Operation } from 'google-gax';
import { createBackoffSettings, type CallOptions } from 'google-gax';
import { TrafficParseError, toApiTraffic, type TrafficAllocation } from '../../domain/traffic/allocation';
import { newestFirst, type RevisionInfo, type ServiceSnapshot } from '../../domain/traffic/service-state';
import { toTrafficFailure, TrafficFailure } from './api-errors';
import { toRevisionInfo, toServiceSnapshot } from './api-mapping';
import type { CloudRunClients, CloudRunTarget } from './cloud-run-clients';
import { ApplicationFailure } from '@temporalio/common';

/** The traffic side of Cloud Run, as drills and rollouts need it. */
export interface TrafficPort {
  readService(service: string): Promise<ServiceSnapshot>;
  /** Every revision of the service, newest first by creation time. */
  listRevisions(service: string): Promise<RevisionInfo[]>;
  /**
   * Sends `allocation` as the service's traffic (update_mask `traffic`, with the etag read), waits
   * for the long-running operation, and returns the service as read afterwards.
   */
  applyAllocation(service: string, allocation: TrafficAllocation, etag: string): Promise<ServiceSnapshot>;
}

export interface AdapterOptions {
  /** Deadline of each API call. */
  callTimeoutMs?: number;
  /** Longest pause between two polls of an operation. */
  maxPollDelayMs?: number;
  /** Give up waiting for an operation after this long. */
  operationTimeoutMs?: number;
  /** Called while waiting, so an activity can heartbeat. */
  onProgress?: () => void;
}

/**
 * The traffic port on the official @google-cloud/run client. Retries are Temporal's job, not the
 * client's: every call runs with `retry: null` so a failure surfaces at once as a typed
 * ApplicationFailure, visible in history, instead of being retried silently for up to ten minutes.
 */
export class CloudRunTrafficAdapter implements TrafficPort {
  private readonly callOptions: CallOptions;
  private readonly lroOptions: CallOptions;

  constructor(
    private readonly target: CloudRunTarget,
    private readonly clients: CloudRunClients,
    private readonly opts: AdapterOptions = {},
  ) {
    this.callOptions = { timeout: opts.callTimeoutMs ?? 30_000, retry: null };
    this.lroOptions = {
      ...this.callOptions,
      // gax polls at 100 ms x1.3 up to 60 s between polls by default; a 60 s gap would show up as RTO.
      longrunning: createBackoffSettings(100, 1.3, opts.maxPollDelayMs ?? 2000, null, null, null, opts.operationTimeoutMs ?? 600_000),
    };
  }

  private servicePath(service: string): string {
    return this.clients.services.servicePath(this.target.project, this.target.region, service);
  }

  async readService(service: string): Promise<ServiceSnapshot> {
    try {
      const [svc] = await this.clients.services.getService({ name: this.servicePath(service) }, this.callOptions);
      return toServiceSnapshot(svc);
    } catch (err) {
      throw this.failure(err, 'GetService', service);
    }
  }

  async listRevisions(service: string): Promise<RevisionInfo[]> {
    try {
      const [revisions] = await this.clients.revisions.listRevisions({ parent: this.servicePath(service) }, this.callOptions);
      return newestFirst(revisions.map(toRevisionInfo));
    } catch (err) {
      throw this.failure(err, 'ListRevisions', service);
    }
  }

  async applyAllocation(service: string, allocation: TrafficAllocation, etag: string): Promise<ServiceSnapshot> {
    let op: Operation;
    try {
      [op] = (await this.clients.services.updateService(
        { service: { name: this.servicePath(service), traffic: toApiTraffic(allocation) as never, etag }, updateMask: { paths: ['traffic'] } },
        this.lroOptions,
      )) as unknown as [Operation];
    } catch (err) {
      throw this.failure(err, 'UpdateService', service);
    }
    const ticker = this.opts.onProgress ? setInterval(this.opts.onProgress, 1000) : undefined;
    try {
      await op.promise();
    } catch (err) {
      // op.error is set only when the operation itself finished with an error; otherwise a poll failed.
      throw op.error ? this.failure(op.error, 'UpdateService operation', service, true) : this.failure(err, 'GetOperation', service);
    } finally {
      clearInterval(ticker);
    }
    return this.readService(service);
  }

  private failure(err: unknown, call: string, service: string, operation = false): ApplicationFailure {
    if (err instanceof TrafficParseError) {
      return ApplicationFailure.nonRetryable(`${call} ${service}: ${err.message}; this tool will not guess a traffic allocation it cannot restore exactly`, TrafficFailure.unexpectedResponse);
    }
    return toTrafficFailure(err, call, `service ${service} (project ${this.target.project}, region ${this.target.region})`, { operation });
  }
}

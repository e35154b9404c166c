import { grpc } from 'google-gax';

/** A gRPC error the emulator answers with instead of doing the call. */
export interface InjectedError {
  code: grpc.status;
  message: string;
}

interface CallBurst {
  remaining: number;
  methods?: ReadonlySet<string>;
  error: InjectedError;
}

/**
 * Faults armed on the emulator, consumed as calls and operations happen. Counters are per service
 * id where a fault targets one service; bursts apply to the next matching calls of any service.
 */
export class FaultInjector {
  private readonly bursts: CallBurst[] = [];
  private readonly updateFailures = new Map<string, InjectedError>();
  private readonly operationFailures = new Map<string, { remaining: number; error: InjectedError }>();
  private readonly staleEtags = new Map<string, number>();
  private readonly operationDelays = new Map<string, number>();
  private readonly deniedPermissions = new Map<string, Set<string>>();

  /** The worker's identity lacks `permissions` on a service ('*': on every service), as an IAM policy would say. */
  denyPermissions(service: string, permissions: string[]): void {
    const set = this.deniedPermissions.get(service) ?? new Set<string>();
    for (const p of permissions) set.add(p);
    this.deniedPermissions.set(service, set);
  }

  isDenied(service: string, permission: string): boolean {
    return !!(this.deniedPermissions.get(service)?.has(permission) || this.deniedPermissions.get('*')?.has(permission));
  }

  /** The next `count` calls (of `methods`, e.g. ['UpdateService'], or of any method) fail with UNAVAILABLE. */
  unavailableBurst(count: number, methods?: string[]): void {
    this.bursts.push({
      remaining: count,
      methods: methods ? new Set(methods) : undefined,
      error: { code: grpc.status.UNAVAILABLE, message: 'injected: the Cloud Run API is temporarily unavailable' },
    });
  }

  takeCallFault(method: string): InjectedError | undefined {
    const burst = this.bursts.find((b) => b.remaining > 0 && (!b.methods || b.methods.has(method)));
    if (!burst) return undefined;
    burst.remaining--;
    return burst.error;
  }

  /** Every UpdateService on `service` fails with this error until cleared with null. */
  failUpdates(service: string, error: InjectedError | null): void {
    if (error) this.updateFailures.set(service, error);
    else this.updateFailures.delete(service);
  }

  updateFailure(service: string): InjectedError | undefined {
    return this.updateFailures.get(service);
  }

  /** The next `count` UpdateService operations on `service` finish with `error` instead of succeeding. */
  failOperations(service: string, count: number, error: InjectedError): void {
    this.operationFailures.set(service, { remaining: count, error });
  }

  takeOperationFailure(service: string): InjectedError | undefined {
    const f = this.operationFailures.get(service);
    if (!f || f.remaining <= 0) return undefined;
    f.remaining--;
    return f.error;
  }

  /** Before each of the next `count` updates of `service`, another writer changes it (new etag). */
  staleEtag(service: string, count: number): void {
    this.staleEtags.set(service, count);
  }

  takeStaleEtag(service: string): boolean {
    const left = this.staleEtags.get(service) ?? 0;
    if (left <= 0) return false;
    this.staleEtags.set(service, left - 1);
    return true;
  }

  /** Operations on `service` (or on every service, with '*') take this long to finish. */
  slowOperations(service: string | '*', delayMs: number): void {
    this.operationDelays.set(service, delayMs);
  }

  operationDelay(service: string, fallbackMs: number): number {
    return this.operationDelays.get(service) ?? this.operationDelays.get('*') ?? fallbackMs;
  }

  clear(): void {
    this.bursts.length = 0;
    this.updateFailures.clear();
    this.operationFailures.clear();
    this.staleEtags.clear();
    this.operationDelays.clear();
    this.deniedPermissions.clear();
  }
}

import { patched } from '@temporalio/workflow';

/**
 * Runs from here on continue as new only with nothing started beside the restore still in flight.
 * An activity scheduled (or asked to cancel) in the workflow task that continues as new is dropped
 * with the run: a stuck notice sent on the very failure that handed over was never delivered.
 */
export const HAND_OVER_WITH_NOTHING_IN_FLIGHT_PATCH = 'hand-over-with-nothing-in-flight';

/**
 * What a compensation starts beside its restore (notices, stopped data-plane watchers): the restore
 * never waits for it, but the run hands over to the next one (continue-as-new) only once none of it
 * is in flight, so a failure that finds something in flight retries here and a later one hands over.
 */
export class InFlight {
  private readonly started: Promise<unknown>[] = [];
  private count = 0;

  track(work: Promise<unknown>): void {
    this.count++;
    const settled = (): void => {
      this.count--;
    };
    work.then(settled, settled);
    this.started.push(work);
  }

  /** Whether this run may continue as new now without dropping anything. */
  mayHandOver(): boolean {
    return this.count === 0 || !patched(HAND_OVER_WITH_NOTHING_IN_FLIGHT_PATCH);
  }

  /** Everything started so far, settled. */
  async all(): Promise<void> {
    await Promise.all(this.started);
  }
}

import path from 'node:path';
import { Worker } from 'node:worker_threads';

// Manifest building on every core. A snapshot's bytes sit almost all in one entry (the largest
// table's documents.jsonl) and a deflate stream inflates only in order, so entries in parallel
// would leave the other cores idle: instead the file's SHA-256 runs on one thread while the entries
// are read, and each documents entry is inflated (zlib's thread pool), hashed and CRC-checked
// (main thread) while another thread splits and digests its lines.

export type ThreadJob = FileHashJob | { kind: 'lines' };
export interface FileHashJob {
  kind: 'file-sha256';
  file: string;
  bytesTotal: number;
}
export type FileHashReport = { type: 'done'; sha256: string } | { type: 'error'; message: string };
export type LinesRequest = { type: 'begin'; path: string; maxLineBytes?: number } | { type: 'chunk'; data: Uint8Array<ArrayBuffer> } | { type: 'end' };
export type LinesResult = { type: 'ack'; buffer: ArrayBuffer } | { type: 'done'; documents: number; documentsDigest: string; problems: string[] };

export interface LineDigest {
  documents: number;
  documentsDigest: string;
  problems: string[];
}

/** Chunks handed to the lines thread and not yet digested, at most: bounds memory to a few MiB. */
const MAX_IN_FLIGHT = 4;

function startThread(job: ThreadJob): Worker {
  const file = path.join(__dirname, `snapshot-thread${path.extname(__filename)}`);
  // Under tsx (tests, the bench's diagnostics) the thread needs the same TypeScript loader.
  const execArgv = file.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];
  // Every thread is terminated when its manifest is done or fails (readSnapshotManifest's finally).
  return new Worker(file, { workerData: job, execArgv });
}

/** SHA-256 of the whole file, read on its own thread. */
export function hashFileOnThread(file: string, bytesTotal: number, signal?: AbortSignal): Promise<string> {
  const worker = startThread({ kind: 'file-sha256', file, bytesTotal });
  return new Promise<string>((resolve, reject) => {
    const abort = (): void => {
      reject(signal!.reason as Error);
      void worker.terminate();
    };
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    const settle = (): void => {
      signal?.removeEventListener('abort', abort);
      void worker.terminate();
    };
    worker.on('message', (m: FileHashReport) => {
      settle();
      if (m.type === 'error') return reject(new Error(m.message));
      resolve(m.sha256);
    });
    worker.on('error', (err) => {
      settle();
      reject(err);
    });
    worker.on('exit', (code) => reject(new Error(`the file-hashing thread exited (code ${code})`)));
  });
}

/**
 * A thread that digests the lines of documents entries, one entry at a time: `begin`, then every
 * chunk in order, then `end` for the count, digest and problems. `busy` says when to stop feeding it.
 */
export class LinesThread {
  private readonly worker = startThread({ kind: 'lines' });
  private inFlight = 0;
  /** Buffers the thread has handed back, filled again rather than allocated per chunk (flat memory, no GC churn). */
  private readonly free: ArrayBuffer[] = [];
  private onAck?: () => void;
  private onDone?: (r: LineDigest) => void;
  private failure?: Error;
  private onFail?: (err: Error) => void;

  /** @param maxLineBytes a longer document line is reported as a problem and never held whole. */
  constructor(private readonly maxLineBytes?: number) {
    this.worker.on('message', (m: LinesResult) => {
      if (m.type === 'ack') {
        this.inFlight--;
        this.free.push(m.buffer);
        const ack = this.onAck;
        this.onAck = undefined;
        ack?.();
      } else {
        const done = this.onDone;
        this.onDone = undefined;
        done?.({ documents: m.documents, documentsDigest: m.documentsDigest, problems: m.problems });
      }
    });
    const fail = (err: Error): void => {
      this.failure ??= err;
      this.onFail?.(this.failure);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the line-digest thread exited (code ${code})`)));
  }

  begin(entryPath: string, onFail: (err: Error) => void): void {
    this.onFail = onFail;
    if (this.failure) return onFail(this.failure);
    this.worker.postMessage({ type: 'begin', path: entryPath, maxLineBytes: this.maxLineBytes } satisfies LinesRequest);
  }

  get busy(): boolean {
    return this.inFlight >= MAX_IN_FLIGHT;
  }

  /** Calls `then` once the thread has room for another chunk. */
  whenReady(then: () => void): void {
    if (!this.busy) return then();
    this.onAck = then;
  }

  /** Hands over a copy of the chunk (the caller keeps the original), transferred rather than cloned again. */
  push(chunk: Uint8Array): void {
    let buffer = this.free.pop();
    if (!buffer || buffer.byteLength < chunk.length) buffer = new ArrayBuffer(Math.max(chunk.length, 1 << 20));
    const copy = new Uint8Array(buffer, 0, chunk.length);
    copy.set(chunk);
    this.inFlight++;
    this.worker.postMessage({ type: 'chunk', data: copy } satisfies LinesRequest, [buffer]);
  }

  end(): Promise<LineDigest> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.onFail = reject;
      this.onDone = resolve;
      this.worker.postMessage({ type: 'end' } satisfies LinesRequest);
    });
  }

  async close(): Promise<void> {
    this.onFail = undefined;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

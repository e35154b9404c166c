import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BlockScan } from './document-lines';

// Manifest building on every core. A snapshot's bytes sit almost all in one entry (the largest
// table's documents.jsonl) and a deflate stream inflates only in order, so entries in parallel
// would leave the other cores idle: instead the file's SHA-256 runs on one thread while the entries
// are read, and each documents entry is inflated (zlib's thread pool), hashed and CRC-checked
// (main thread) while line-digest threads hash its lines, a block of whole lines at a time: the
// digest is a sum, so blocks need no order, and no one thread is left holding the longest share
// (measured on 2 cores: hashing ~0.75 M lines one at a time costs more than inflating them).

export type ThreadJob = FileHashJob | { kind: 'lines' };
export interface FileHashJob {
  kind: 'file-sha256';
  file: string;
  bytesTotal: number;
}
export type FileHashReport = { type: 'done'; sha256: string } | { type: 'error'; message: string };
export type LinesRequest = { type: 'block'; seq: number; buffer: ArrayBuffer; start: number; end: number } | { type: 'digest' };
export type LinesResult = ({ type: 'scanned'; seq: number; buffer: ArrayBuffer } & BlockScan) | { type: 'digest'; documentsDigest: string };

export interface LineDigest {
  documents: number;
  documentsDigest: string;
  problems: string[];
}

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
 * A thread that digests blocks of whole document lines (see entry-lines.ts): `send` transfers a
 * block's buffer, `onScanned` gets each block's result, `digest` the thread's share of the entry.
 */
export class LineDigestThread {
  private readonly worker = startThread({ kind: 'lines' });
  /** Blocks sent and not yet scanned. */
  inFlight = 0;
  private onDigest?: (hex: string) => void;
  private failure?: Error;

  constructor(
    private readonly onScanned: (seq: number, scan: BlockScan, buffer: ArrayBuffer) => void,
    private readonly onFail: (err: Error) => void,
  ) {
    this.worker.on('message', (m: LinesResult) => {
      if (m.type === 'scanned') {
        this.inFlight--;
        this.onScanned(m.seq, { lines: m.lines, documents: m.documents, problems: m.problems }, m.buffer);
      } else {
        const done = this.onDigest;
        this.onDigest = undefined;
        done?.(m.documentsDigest);
      }
    });
    const fail = (err: Error): void => {
      if (this.failure) return;
      this.failure = err;
      this.onFail(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the line-digest thread exited (code ${code})`)));
  }

  /** Hands over `buffer` (transferred, and handed back with the result); its lines are `[start, end)`. */
  send(seq: number, buffer: ArrayBuffer, start: number, end: number): void {
    this.inFlight++;
    this.worker.postMessage({ type: 'block', seq, buffer, start, end } satisfies LinesRequest, [buffer]);
  }

  /** This thread's share of the entry's digest, once every block sent before is scanned; the share starts anew. */
  digest(): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.onDigest = resolve;
      this.worker.postMessage({ type: 'digest' } satisfies LinesRequest);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

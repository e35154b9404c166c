// Runs on a worker thread started by snapshot-threads.ts: hashes a snapshot's file or digests the
// document lines of its entries, so manifest building uses every core (see snapshot-threads.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { JsonlScanner } from '../../domain/snapshot/jsonl-scanner';
import { MultisetDigest } from '../../domain/snapshot/multiset-digest';
import type { FileHashJob, FileHashReport, LinesRequest, LinesResult, ThreadJob } from './snapshot-threads';

/** SHA-256 of one document line, as the 32 raw bytes in a binary string (the cheapest output of crypto.hash). */
const sha256Binary: (data: Uint8Array) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'binary') : (data) => crypto.createHash('sha256').update(data).digest('binary');
const EMPTY = new Uint8Array(0);

const port = parentPort!;

async function hashFile(job: FileHashJob): Promise<void> {
  const hash = crypto.createHash('sha256');
  // One buffer reused for every read, so the thread's memory stays at one chunk.
  const buffer = Buffer.allocUnsafe(1 << 20);
  const handle = await fs.promises.open(job.file, 'r');
  let done = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, done);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
  if (done !== job.bytesTotal) throw new Error(`the file changed while it was read (${job.bytesTotal} bytes expected, ${done} read)`);
  port.postMessage({ type: 'done', sha256: hash.digest('hex') } satisfies FileHashReport);
}

/** One documents entry at a time: the lines of its chunks, in order, into a count and a multiset digest. */
function digestLines(): void {
  let scanner: JsonlScanner | undefined;
  let digest: MultisetDigest | undefined;
  // A line inside one chunk is hashed in place; only a line spanning chunks is copied together.
  let first: Uint8Array | undefined;
  let parts: Uint8Array[] | undefined;
  port.on('message', (m: LinesRequest) => {
    if (m.type === 'begin') {
      const lines = new MultisetDigest();
      digest = lines;
      first = parts = undefined;
      scanner = new JsonlScanner(m.path, {
        lineData: (part) => {
          if (first === undefined) first = part;
          else (parts ??= [first]).push(part);
        },
        lineEnd: () => {
          lines.addBinary(sha256Binary(parts ? Buffer.concat(parts) : (first ?? EMPTY)));
          first = parts = undefined;
        },
      }, m.maxLineBytes);
    } else if (m.type === 'chunk') {
      scanner!.push(m.data);
      // The buffer goes back to be filled again, so a line continuing into the next chunk keeps a copy of its start.
      if (parts) parts = parts.map((p) => (p.buffer === m.data.buffer ? p.slice() : p));
      else if (first?.buffer === m.data.buffer) first = first.slice();
      port.postMessage({ type: 'ack', buffer: m.data.buffer } satisfies LinesResult, [m.data.buffer]);
    } else {
      const scan = scanner!.finish();
      port.postMessage({ type: 'done', documents: scan.documents, documentsDigest: digest!.hex(), problems: scan.problems } satisfies LinesResult);
      scanner = digest = undefined;
    }
  });
}

const job = workerData as ThreadJob;
if (job.kind === 'file-sha256') {
  hashFile(job).catch((err: Error) => port.postMessage({ type: 'error', message: err.message } satisfies FileHashReport));
} else {
  digestLines();
}

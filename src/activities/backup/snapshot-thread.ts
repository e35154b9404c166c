// Runs on a worker thread started by snapshot-threads.ts: hashes a snapshot's file or digests the
// document lines of its entries, so manifest building uses every core (see snapshot-threads.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { MultisetDigest } from '../../domain/snapshot/multiset-digest';
import { digestLineBlock } from './document-lines';
import type { FileHashJob, FileHashReport, LinesRequest, LinesResult, ThreadJob } from './snapshot-threads';

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

/**
 * Blocks of whole document lines, in any order, into this thread's share of the entry's multiset
 * digest (a sum, so the shares add up to the whole); `digest` hands the share over and starts anew.
 */
function digestLines(): void {
  let digest = new MultisetDigest();
  port.on('message', (m: LinesRequest) => {
    if (m.type === 'block') {
      const scan = digestLineBlock(Buffer.from(m.buffer, 0, m.end), m.start, m.end, digest);
      port.postMessage({ type: 'scanned', seq: m.seq, buffer: m.buffer, ...scan } satisfies LinesResult, [m.buffer]);
    } else {
      port.postMessage({ type: 'digest', documentsDigest: digest.hex() } satisfies LinesResult);
      digest = new MultisetDigest();
    }
  });
}

const job = workerData as ThreadJob;
if (job.kind === 'file-sha256') {
  hashFile(job).catch((err: Error) => port.postMessage({ type: 'error', message: err.message } satisfies FileHashReport));
} else {
  digestLines();
}

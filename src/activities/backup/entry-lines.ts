import os from 'node:os';
import { LAST_LINE_CUT, MAX_PROBLEMS } from '../../domain/snapshot/jsonl-scanner';
import { MultisetDigest } from '../../domain/snapshot/multiset-digest';
import { digestLine, type BlockScan } from './document-lines';
import { LineDigestThread, type LineDigest } from './snapshot-threads';

const NEWLINE = 0x0a;
/** Blocks (about 1 MiB each) sent to one thread and not yet scanned, at most: memory stays at a few MiB. */
const IN_FLIGHT_PER_THREAD = 4;

/**
 * Threads that digest document lines, started once per manifest: two even on two cores, since
 * the file hash, the inflating and the entry's own hash share those cores and the OS balances
 * several threads better than one that holds the longest share.
 */
export class LineThreads {
  readonly threads: LineDigestThread[];
  private entry?: EntryLines;
  private readonly free: ArrayBuffer[] = [];

  /**
   * @param maxLineBytes a longer document line is reported as a problem and never held. Lines wholly
   * inside one chunk (at most 1 MiB) go to the threads unchecked, so this is at least 1 MiB.
   */
  constructor(
    private readonly maxLineBytes = Infinity,
    count = Math.min(4, Math.max(2, os.availableParallelism() - 1)),
  ) {
    this.threads = Array.from(
      { length: count },
      () =>
        new LineDigestThread(
          (seq, scan, buffer) => this.entry?.scanned(seq, scan, buffer),
          (err) => this.entry?.fail(err),
        ),
    );
  }

  /** Starts the next documents entry; one at a time. */
  begin(path: string, onFail: (err: Error) => void): EntryLines {
    this.entry = new EntryLines(path, this.threads, onFail, this.free, this.maxLineBytes);
    return this.entry;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}

/**
 * One documents entry's lines, split into blocks of whole lines as its chunks arrive: the line
 * that spans two chunks is joined and hashed here, the lines wholly inside a chunk go to the
 * least busy thread (copied into a buffer that is transferred, and handed back). Each
 * block's count and problems come back by sequence number, so lines are numbered as read.
 */
export class EntryLines {
  /** Pieces of the line that continues into the next chunk. */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** The carried line went past maxLineBytes: its pieces are dropped until its end. */
  private oversized = false;
  private readonly scans: BlockScan[] = [];
  private pending = 0;
  private readonly own = new MultisetDigest();
  /** Buffers the threads handed back, filled again rather than allocated per block (flat memory, no GC churn). */
  private readonly free: ArrayBuffer[];
  private onReady?: () => void;
  private onIdle?: () => void;
  private onEndFail?: (err: Error) => void;
  private failure?: Error;

  constructor(
    private readonly path: string,
    private readonly threads: LineDigestThread[],
    private readonly onFail: (err: Error) => void,
    free: ArrayBuffer[],
    private readonly maxLineBytes = Infinity,
  ) {
    this.free = free;
  }

  /** Keeps a piece of the line that continues past this chunk, unless the line is already too long. */
  private hold(piece: Buffer): void {
    this.carryBytes += piece.length;
    if (this.carryBytes > this.maxLineBytes) this.oversized = true;
    this.carry = this.oversized ? [] : [...this.carry, Buffer.from(piece)];
  }

  /** The scan of a line too long to hold: one line, refused. */
  private oversizedLine(): BlockScan {
    return { lines: 1, documents: 0, problems: [{ line: 1, text: `a document line longer than the maximum of ${this.maxLineBytes} bytes (backup.maxDocumentLineBytes); Convex documents are at most 1 MiB, so the snapshot is damaged or not a Convex export` }] };
  }

  get busy(): boolean {
    return this.threads.every((t) => t.inFlight >= IN_FLIGHT_PER_THREAD);
  }

  /** Calls `then` once a thread has room for another block. */
  whenReady(then: () => void): void {
    if (!this.busy) return then();
    this.onReady = then;
  }

  /** Takes the next chunk of the entry (copied: the caller keeps it). */
  push(chunk: Buffer): void {
    const first = chunk.indexOf(NEWLINE);
    if (first === -1) return this.hold(chunk);
    if (this.oversized || this.carryBytes + first > this.maxLineBytes) {
      this.scans.push(this.oversizedLine());
    } else {
      const spanning = this.carry.length ? Buffer.concat([...this.carry, chunk.subarray(0, first)]) : chunk.subarray(0, first);
      this.scans.push(digestLine(spanning, true, this.own));
    }
    const last = chunk.lastIndexOf(NEWLINE);
    this.carry = [];
    this.carryBytes = 0;
    this.oversized = false;
    if (last + 1 < chunk.length) this.hold(chunk.subarray(last + 1));
    if (last === first) return;
    // Copied into a buffer the threads handed back: transferring the stream's own buffers instead
    // cost more than the copy (measured: postMessage took ~1.5 ms per 1 MiB buffer it had to detach).
    const length = last - first;
    let buffer = this.free.pop();
    if (!buffer || buffer.byteLength < length) buffer = new ArrayBuffer(Math.max(length, 1 << 20));
    new Uint8Array(buffer, 0, length).set(chunk.subarray(first + 1, last + 1));
    const thread = this.threads.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    this.scans.push({ lines: 0, documents: 0, problems: [] }); // filled in when the thread answers
    this.pending++;
    thread.send(this.scans.length - 1, buffer, 0, length);
  }

  scanned(seq: number, scan: BlockScan, buffer: ArrayBuffer): void {
    this.free.push(buffer);
    this.scans[seq] = scan;
    this.pending--;
    const ready = this.onReady;
    this.onReady = undefined;
    ready?.();
    if (this.pending === 0) this.onIdle?.();
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.onFail(this.failure);
    this.onEndFail?.(this.failure);
  }

  /** The entry's count, digest and problems (the first few, by line number), once every block is scanned. */
  async end(): Promise<LineDigest> {
    if (this.oversized) {
      this.scans.push(this.oversizedLine());
    } else if (this.carry.length) {
      const cut = digestLine(Buffer.concat(this.carry), false, this.own);
      cut.problems.unshift({ line: 1, text: LAST_LINE_CUT });
      this.scans.push(cut);
    }
    await new Promise<void>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      if (this.pending === 0) return resolve();
      this.onIdle = resolve;
      this.onEndFail = reject;
    });
    const digest = this.own;
    for (const share of await Promise.all(this.threads.map((t) => t.digest()))) digest.add(share);
    let line = 0;
    let documents = 0;
    const problems: string[] = [];
    for (const scan of this.scans) {
      for (const p of scan.problems) if (problems.length < MAX_PROBLEMS) problems.push(`${this.path} line ${line + p.line}: ${p.text}`);
      line += scan.lines;
      documents += scan.documents;
    }
    return { documents, documentsDigest: digest.hex(), problems };
  }
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Receives each document line in pieces (a line may span chunks), then its end. */
export interface LineSink {
  lineData(part: Uint8Array): void;
  lineEnd(): void;
}

export interface JsonlScanResult {
  documents: number;
  /** Problems that make the entry unusable, e.g. a last line cut short. */
  problems: string[];
}

const MAX_PROBLEMS = 5;

/**
 * Splits a streamed `documents.jsonl` into document lines without holding more than one chunk:
 * counts them, hands each line's bytes to a sink (for hashing) and checks the shape the importer
 * needs - one JSON object per line, every line ending in `\n` (a missing final newline means the
 * entry was cut mid-document).
 */
export class JsonlScanner {
  private documents = 0;
  private lineLength = 0;
  private firstByte = -1;
  private lastByte = -1;
  private lineNumber = 1;
  /** The current line went past maxLineBytes: the rest of it is skipped, not handed to the sink. */
  private oversized = false;
  private readonly problems: string[] = [];

  constructor(
    private readonly where: string,
    private readonly sink?: LineSink,
    /** A longer line makes the entry unusable and is never held (a highly compressed ZIP may inflate to one huge line). */
    private readonly maxLineBytes = Infinity,
  ) {}

  private problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(`${this.where} line ${this.lineNumber}: ${text}`);
  }

  private endLine(): void {
    if (this.lineLength === 0) {
      this.problem('empty line');
    } else {
      if (this.firstByte !== OPEN_BRACE || this.lastByte !== CLOSE_BRACE) this.problem('not a JSON object (a document line starts with { and ends with })');
      this.documents++;
    }
    if (!this.oversized) this.sink?.lineEnd();
    this.oversized = false;
    this.lineNumber++;
    this.lineLength = 0;
    this.firstByte = -1;
    this.lastByte = -1;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      if (end > start) {
        const part = chunk.subarray(start, end);
        if (this.lineLength === 0) this.firstByte = part[0]!;
        this.lastByte = part[part.length - 1]!;
        this.lineLength += part.length;
        if (!this.oversized && this.lineLength > this.maxLineBytes) {
          this.oversized = true;
          this.problem(`a document line longer than the maximum of ${this.maxLineBytes} bytes (backup.maxDocumentLineBytes); Convex documents are at most 1 MiB, so the snapshot is damaged or not a Convex export`);
          this.sink?.lineEnd();
        }
        if (!this.oversized) this.sink?.lineData(part);
      }
      if (nl === -1) return;
      if (this.lastByte === CR) this.problem('line ends with \\r\\n; Convex writes \\n only');
      this.endLine();
      start = nl + 1;
    }
  }

  finish(): JsonlScanResult {
    if (this.lineLength > 0) {
      this.problem('the last document has no trailing newline: the entry was cut mid-document');
      this.endLine();
    }
    return { documents: this.documents, problems: [...this.problems] };
  }
}

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

export const LAST_LINE_CUT = 'the last document has no trailing newline: the entry was cut mid-document';
export const MAX_PROBLEMS = 5;

/**
 * What is wrong with one document line's shape, given its length, first and last byte (without
 * the `\n`), in the order they are reported: the importer needs one JSON object per line, `\n` only.
 */
export function lineShapeProblems(length: number, firstByte: number, lastByte: number, terminated: boolean): string[] {
  const out: string[] = [];
  if (terminated && lastByte === CR) out.push('line ends with \\r\\n; Convex writes \\n only');
  if (length === 0) out.push('empty line');
  else if (firstByte !== OPEN_BRACE || lastByte !== CLOSE_BRACE) out.push('not a JSON object (a document line starts with { and ends with })');
  return out;
}

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
  private readonly problems: string[] = [];

  constructor(
    private readonly where: string,
    private readonly sink?: LineSink,
  ) {}

  private problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(`${this.where} line ${this.lineNumber}: ${text}`);
  }

  private endLine(terminated: boolean): void {
    for (const p of lineShapeProblems(this.lineLength, this.firstByte, this.lastByte, terminated)) this.problem(p);
    if (this.lineLength > 0) this.documents++;
    this.sink?.lineEnd();
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
        this.sink?.lineData(part);
      }
      if (nl === -1) return;
      this.endLine(true);
      start = nl + 1;
    }
  }

  finish(): JsonlScanResult {
    if (this.lineLength > 0) {
      this.problem(LAST_LINE_CUT);
      this.endLine(false);
    }
    return { documents: this.documents, problems: [...this.problems] };
  }
}

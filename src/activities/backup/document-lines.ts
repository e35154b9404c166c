import crypto from 'node:crypto';
import { lineShapeProblems, MAX_PROBLEMS } from '../../domain/snapshot/jsonl-scanner';
import type { MultisetDigest } from '../../domain/snapshot/multiset-digest';

const NEWLINE = 0x0a;

/** SHA-256 of one document line, as the 32 raw bytes in a binary string (the cheapest output of crypto.hash). */
const sha256Binary: (data: Uint8Array) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'binary') : (data) => crypto.createHash('sha256').update(data).digest('binary');

/** A problem with one line, numbered from 1 within its block. */
export interface LineProblem {
  line: number;
  text: string;
}

/** What a block of whole document lines held. */
export interface BlockScan {
  /** Lines in the block, blank ones included (they still take a line number). */
  lines: number;
  documents: number;
  /** At most MAX_PROBLEMS, in line order. */
  problems: LineProblem[];
}

/**
 * Digests one document line (without its `\n`; `terminated` says whether it had one) into
 * `digest` and checks its shape, as JsonlScanner does line by line.
 */
export function digestLine(line: Uint8Array, terminated: boolean, digest: MultisetDigest): BlockScan {
  digest.addBinary(sha256Binary(line));
  const texts = lineShapeProblems(line.length, line.length ? line[0]! : -1, line.length ? line[line.length - 1]! : -1, terminated);
  return { lines: 1, documents: line.length > 0 ? 1 : 0, problems: texts.map((text) => ({ line: 1, text })) };
}

/**
 * Digests the lines of `block[start, end)`, where every line ends with `\n` (the byte before
 * `end` is one): a line's bytes are hashed in place, with no copy. `block` must be a Buffer, whose
 * indexOf is a native memchr (a plain Uint8Array's is an element-by-element loop, about 8x slower).
 */
export function digestLineBlock(block: Buffer, start: number, end: number, digest: MultisetDigest): BlockScan {
  const out: BlockScan = { lines: 0, documents: 0, problems: [] };
  for (let nl = block.indexOf(NEWLINE, start); nl !== -1 && nl < end; start = nl + 1, nl = block.indexOf(NEWLINE, start)) {
    out.lines++;
    digest.addBinary(sha256Binary(block.subarray(start, nl)));
    const first = nl > start ? block[start]! : -1;
    const last = nl > start ? block[nl - 1]! : -1;
    if (first === 0x7b && last === 0x7d) {
      out.documents++;
      continue;
    }
    if (nl > start) out.documents++;
    if (out.problems.length >= MAX_PROBLEMS) continue;
    for (const text of lineShapeProblems(nl - start, first, last, true)) out.problems.push({ line: out.lines, text });
  }
  return out;
}

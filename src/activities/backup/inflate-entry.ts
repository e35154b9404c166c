import fs from 'node:fs';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import zlib from 'node:zlib';
import type yauzl from 'yauzl';

/**
 * Reads are 1 MiB and inflate writes 1 MiB chunks: yauzl reads 16 KiB at a time through three
 * streams and inflates with zlib's default 16 KiB chunks, which made inflating about 3x slower.
 */
const CHUNK = 1 << 20;

interface LocalHeaderReader {
  readLocalFileHeader(entry: yauzl.Entry, options: { minimal: true }, callback: (err: Error | null, header: { fileDataStart: number }) => void): void;
}

/** yauzl's own wording for a byte count that does not match the ZIP's record (validateEntrySizes). */
function countCheck(expected: number, what: () => number): { over: (n: number) => Error | undefined; under: () => Error | undefined } {
  return {
    over: (n) => (n > expected ? new Error(`too many bytes in the stream. expected ${expected}. got at least ${n}`) : undefined),
    under: () => (what() < expected ? new Error(`not enough bytes in the stream. expected ${expected}. got only ${what()}`) : undefined),
  };
}

/** Pipes `from` into `to` with back-pressure, failing as soon as the bytes passed differ from `expected`. */
function pipeCounted(from: Readable, to: Writable, expected: number, fail: (e: Error) => void): void {
  let bytes = 0;
  const check = countCheck(expected, () => bytes);
  from.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    const e = check.over(bytes);
    if (e) return fail(e);
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => {
    const e = check.under();
    if (e) return fail(e);
    to.end();
  });
  from.on('error', fail);
}

/**
 * Opens an entry's data as a stream of large chunks: the local header through yauzl (same checks
 * and errors as openReadStream), the compressed bytes read from the file directly, deflated entries
 * inflated with 1 MiB chunks. The byte counts are checked against the central directory as
 * yauzl's validateEntrySizes does; the caller checks the CRC-32. Entries yauzl cannot decode
 * (encrypted, other compression methods) go through yauzl, which reports why.
 */
export function openEntryData(zip: yauzl.ZipFile, file: string, entry: yauzl.Entry): Promise<Readable> {
  const deflated = entry.compressionMethod === 8;
  if ((!deflated && entry.compressionMethod !== 0) || entry.isEncrypted()) {
    return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))));
  }
  return new Promise((resolve, reject) =>
    (zip as unknown as LocalHeaderReader).readLocalFileHeader(entry, { minimal: true }, (err, header) => {
      if (err) return reject(err);
      const out = new PassThrough({ highWaterMark: CHUNK });
      let failed = false;
      const fail = (e: Error): void => {
        if (failed) return;
        failed = true;
        raw.destroy();
        inflate?.destroy();
        out.destroy(e);
      };
      const raw: Readable =
        entry.compressedSize === 0
          ? new PassThrough().end()
          : fs.createReadStream(file, { start: header.fileDataStart, end: header.fileDataStart + entry.compressedSize - 1, highWaterMark: CHUNK });
      const inflate = deflated ? zlib.createInflateRaw({ chunkSize: CHUNK }) : undefined;
      // Both byte counts are checked as yauzl checks them (the file may shrink while it is read).
      pipeCounted(raw, inflate ?? out, entry.compressedSize, fail);
      if (inflate) pipeCounted(inflate, out, entry.uncompressedSize, fail);
      resolve(out);
    }),
  );
}

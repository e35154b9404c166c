import zlib from 'node:zlib';
import type { TableLines } from '../../src/sandbox/convex/document-store';
import { writeSnapshotZip } from '../../src/sandbox/convex/snapshot-zip';

const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** A seeded PRNG (mulberry32), so every run generates the same documents. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function documents(seed: number): (i: number) => string {
  const rnd = prng(seed);
  const id = (): string => {
    let s = '';
    for (let k = 0; k < 32; k += 6) {
      for (let r = (rnd() * 2 ** 30) | 0, j = 0; j < 6; j++, r >>>= 5) s += ID_ALPHABET[r & 31];
    }
    return s.slice(0, 32);
  };
  // A vocabulary of 4096 made-up words, so message bodies deflate about as well as prose does.
  const syllables = 'ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo'.split(' ');
  const words = Array.from({ length: 4096 }, () => Array.from({ length: 1 + ((rnd() * 3) | 0) }, () => syllables[(rnd() * syllables.length) | 0]).join(''));
  const users = Array.from({ length: 500 }, id);
  const channels = Array.from({ length: 40 }, id);
  const t0 = 1_717_000_000_000;
  return (i) => {
    const body: string[] = [];
    for (let n = 8 + ((rnd() * 50) | 0); n > 0; n--) body.push(words[(rnd() * 4096) | 0]!);
    const author = users[(rnd() * users.length) | 0]!;
    const channel = channels[(rnd() * channels.length) | 0]!;
    return `{"_creationTime":${t0 + i * 37}.${(i % 1000).toString().padStart(3, '0')},"_id":"${id()}","author":"${author}","body":"${body.join(' ')}","channel":"${channel}","likes":${(rnd() * 100) | 0}}`;
  };
}

/** A table whose lines are made as the ZIP writer asks for them, so no size is held in memory. */
function lazyTable(name: string, number: number, count: number, seed: number): TableLines {
  const make = documents(seed);
  const lines = { *[Symbol.iterator]() { for (let i = 0; i < count; i++) yield make(i); } };
  return { name, number, lines: lines as unknown as string[] };
}

/**
 * Writes a snapshot ZIP of about `zipBytes` through the Convex stand-in's own export writer, with
 * generated chat-like documents in three tables (the line count comes from a sample's deflate ratio).
 */
export async function writeGeneratedSnapshot(file: string, zipBytes: number): Promise<void> {
  const make = documents(1);
  const sample = Buffer.from(Array.from({ length: 20_000 }, (_, i) => make(i) + '\n').join(''));
  const perLine = zlib.deflateRawSync(sample).length / 20_000;
  const lines = Math.max(1000, Math.round(zipBytes / perLine));
  await writeSnapshotZip(
    [lazyTable('channels', 10001, 40, 2), lazyTable('users', 10002, Math.ceil(lines / 50), 3), lazyTable('messages', 10003, lines - Math.ceil(lines / 50), 4)],
    file,
  );
}

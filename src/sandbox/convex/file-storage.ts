import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { newDocumentId } from './document-store';

/**
 * One stored file as the `_storage` system table lists it in a snapshot export
 * (`_storage/documents.jsonl`): `sha256` is base64, as the real backend writes it.
 */
export interface StoredFile {
  _id: string;
  _creationTime: number;
  sha256: string;
  size: number;
  contentType: string | null;
  internalId: string;
}

const EXTENSIONS: Record<string, string> = { 'text/plain': '.txt', 'application/json': '.json', 'image/png': '.png', 'image/jpeg': '.jpg', 'application/pdf': '.pdf' };

/** The entry name of a file in a snapshot ZIP: `_storage/<id>` plus an extension guessed from its type. */
export function storageEntryName(f: Pick<StoredFile, '_id' | 'contentType'>): string {
  return `_storage/${f._id}${(f.contentType && EXTENSIONS[f.contentType]) ?? ''}`;
}

/** An imported `_storage` table: its index lines and each file's bytes, by id. */
export interface ImportedStorage {
  files: StoredFile[];
  blobs: Map<string, Buffer>;
}

/**
 * Convex file storage for the stand-in: an index (`storage/index.jsonl`) and one blob per file
 * (`storage/blobs/<id>`), in the stand-in's data folder. Files reach it through the sandbox's
 * control methods and snapshot imports, and leave through snapshot exports with storage.
 */
export class FileStore {
  private files = new Map<string, StoredFile>();

  private constructor(private readonly dir: string) {}

  static open(dataDir: string): FileStore {
    const store = new FileStore(path.join(dataDir, 'storage'));
    fs.mkdirSync(path.join(store.dir, 'blobs'), { recursive: true });
    const index = path.join(store.dir, 'index.jsonl');
    if (fs.existsSync(index)) {
      for (const line of fs.readFileSync(index, 'utf8').split('\n').filter(Boolean)) {
        const f = JSON.parse(line) as StoredFile;
        store.files.set(f._id, f);
      }
    }
    return store;
  }

  list(): StoredFile[] {
    return [...this.files.values()];
  }

  count(): number {
    return this.files.size;
  }

  blobPath(id: string): string {
    return path.join(this.dir, 'blobs', id);
  }

  read(id: string): Buffer {
    return fs.readFileSync(this.blobPath(id));
  }

  store(bytes: Buffer, contentType: string | null): StoredFile {
    const f: StoredFile = {
      _id: newDocumentId(),
      _creationTime: Date.now() + this.files.size / 1000,
      sha256: crypto.createHash('sha256').update(bytes).digest('base64'),
      size: bytes.length,
      contentType,
      internalId: crypto.randomUUID(),
    };
    fs.writeFileSync(this.blobPath(f._id), bytes);
    this.files.set(f._id, f);
    this.persist();
    return f;
  }

  /** Applies an imported `_storage` table with the CLI's mode semantics; returns files written. */
  applyImport(imported: ImportedStorage, mode: 'requireEmpty' | 'append' | 'replace' | 'replaceAll'): number {
    if (mode === 'replace' || mode === 'replaceAll') this.clear();
    for (const f of imported.files) {
      const bytes = imported.blobs.get(f._id);
      if (!bytes) throw new Error(`_storage/documents.jsonl lists ${f._id}, but the snapshot has no file for it`);
      const id = mode === 'append' && this.files.has(f._id) ? newDocumentId() : f._id;
      fs.writeFileSync(this.blobPath(id), bytes);
      this.files.set(id, { ...f, _id: id });
    }
    this.persist();
    return imported.files.length;
  }

  /** Test fault: one byte of a stored file flips, its recorded hash stays (bit rot). */
  corrupt(id: string): void {
    const bytes = this.read(id);
    bytes[0] = bytes[0]! ^ 0xff;
    fs.writeFileSync(this.blobPath(id), bytes);
  }

  clear(): void {
    for (const id of this.files.keys()) fs.rmSync(this.blobPath(id), { force: true });
    this.files.clear();
    this.persist();
  }

  private persist(): void {
    const index = path.join(this.dir, 'index.jsonl');
    fs.writeFileSync(`${index}.tmp`, [...this.files.values()].map((f) => JSON.stringify(f) + '\n').join(''));
    fs.renameSync(`${index}.tmp`, index);
  }
}

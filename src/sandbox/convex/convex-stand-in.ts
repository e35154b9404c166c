import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DocumentStore, TABLE_NAME, type ImportMode } from './document-store';
import { noFaults } from './faults';
import { FileStore, type StoredFile } from './file-storage';
import { FunctionError, StandInFunctions, type FunctionKind } from './functions';
import { SnapshotJobs, type ImportFormat, type ImportState } from './snapshot-jobs';
import { SyncSocketServer } from './sync-socket';
import { fromConvexEncodedJson, toConvexEncodedJson, toPlainJson, type ConvexObject, type ConvexValue } from './values';

export interface ConvexStandInOptions {
  /** Where tables, exports and uploads live; a restarted stand-in on the same folder serves the same data. */
  dataDir: string;
  adminKey: string;
  port?: number;
  /** What `/version` answers. */
  version?: string;
  /** What `/instance_name` answers: the deployment's identity, as a real backend reports it. */
  instanceName?: string;
}

export interface ImportSummary {
  id: string;
  state: ImportState['state'];
  mode: ImportMode;
  format: ImportFormat;
  errorMessage?: string;
}

export interface ConvexStandInStats {
  requests: number;
  /** Requests refused with 401 BadAdminKey (HTTP) or an AuthError (sync socket not counted). */
  unauthorized: number;
  exportsRequested: number;
  importsStarted: number;
  mutations: number;
}

/** A running stand-in deployment: its URL, control methods for tests and the sandbox, and stop(). */
export interface ConvexStandIn {
  url: string;
  port: number;
  dataDir: string;
  // -- data --
  /**
   * Inserts canary documents. Values are stored losslessly: a JS number is a float64 (1 is stored
   * as `1.0`), a bigint an int64, a Uint8Array bytes. A string is taken as a raw export-JSON line.
   */
  seed(table: string, docs: (ConvexObject | string)[]): string[];
  tables(): Record<string, number>;
  /** The raw `documents.jsonl` lines of a table, in export order. */
  documentLines(table: string): string[];
  /** Stores a file in the deployment's file storage (exported with --include-file-storage). */
  storeFile(bytes: Buffer, contentType?: string): StoredFile;
  /** Stored files and their bytes. */
  storedFiles(): (StoredFile & { bytes: Buffer })[];
  /** Fault: flips the first byte of a stored file while its recorded sha256 stays. */
  corruptStoredFile(id: string): void;
  clear(): void;
  // -- faults --
  failNextExport(): void;
  stallExports(): void;
  releaseExports(): void;
  truncateNextExport(): void;
  hugeLineNextExport(bytes: number): void;
  failNextImport(message?: string): void;
  stallImports(): void;
  releaseImports(): void;
  /** The next import silently writes this many documents fewer while reporting success. */
  dropDocumentsOnNextImport(count: number): void;
  failMutations(message?: string): void;
  clearFaults(): void;
  // -- observation --
  imports(): ImportSummary[];
  stats(): ConvexStandInStats;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' && body && 'message' in body ? String((body as { message: unknown }).message) : `HTTP ${status}`);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function readJsonBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString('utf8');
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new HttpError(400, { code: 'BadJsonBody', message: 'request body is not valid JSON' });
  }
}

const IMPORT_MODES: ImportMode[] = ['requireEmpty', 'append', 'replace', 'replaceAll'];
const IMPORT_FORMATS: ImportFormat[] = ['zip', 'jsonLines', 'jsonArray', 'csv'];

/**
 * A Convex-compatible backend for the sandbox and tests: the unmodified `convex` CLI (1.48.0) can
 * export from it and import into it, and the runtime's projection sink writes to it through the
 * HTTP API. Contract of the projection functions:
 * ./README.md. Unsupported routes answer 400, never 404 (the CLI retries 404s for ~30 s).
 */
export async function startConvexStandIn(opts: ConvexStandInOptions): Promise<ConvexStandIn> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const store = DocumentStore.open(opts.dataDir);
  const faults = noFaults();
  const files = FileStore.open(opts.dataDir);
  const jobs = new SnapshotJobs(store, faults, opts.dataDir, files);
  const functions = new StandInFunctions(store, jobs);
  const sync = new SyncSocketServer(functions, opts.adminKey);
  jobs.on('change', () => sync.broadcast());
  const stats: ConvexStandInStats = { requests: 0, unauthorized: 0, exportsRequested: 0, importsStarted: 0, mutations: 0 };

  function requireAdmin(req: http.IncomingMessage): void {
    if (req.headers.authorization !== `Convex ${opts.adminKey}`) {
      stats.unauthorized++;
      throw new HttpError(401, { code: 'BadAdminKey', message: 'The provided admin key was invalid for this instance' });
    }
  }

  async function callFunction(kind: FunctionKind, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readJsonBody(req);
    const udfPath = typeof body.path === 'string' ? body.path : '';
    const format = body.format === 'convex_encoded_json' ? 'convex_encoded_json' : 'json';
    // The CLI's ConvexHttpClient wraps args in a one-element array; the HTTP API takes an object.
    const rawArgs = Array.isArray(body.args) ? body.args[0] : body.args;
    if (kind === 'mutation') {
      stats.mutations++;
      if (faults.failMutations !== undefined) return sendJson(res, 500, { status: 'error', errorMessage: faults.failMutations });
    }
    let args: ConvexValue;
    try {
      args = fromConvexEncodedJson(rawArgs ?? {});
    } catch (err) {
      return sendJson(res, 400, { status: 'error', errorMessage: `ArgumentValidationError: ${(err as Error).message}` });
    }
    try {
      const value = functions.run(kind, udfPath, args);
      if (kind === 'mutation') sync.broadcast();
      sendJson(res, 200, { status: 'success', value: format === 'json' ? toPlainJson(value) : toConvexEncodedJson(value), logLines: [] });
    } catch (err) {
      if (err instanceof FunctionError) return sendJson(res, err.status, { status: 'error', errorMessage: err.message });
      sendJson(res, 500, { status: 'error', errorMessage: `Server error: ${(err as Error).message}` });
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const p = url.pathname;
    const m = req.method ?? 'GET';
    if (m === 'GET' && p === '/version') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(opts.version ?? 'convex-stand-in-1.48.0');
    if (m === 'GET' && p === '/instance_name') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(opts.instanceName ?? 'convex-stand-in');
    if (m === 'GET' && p === '/') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('This Convex deployment is running. See https://docs.convex.dev/.');
    if (!p.startsWith('/api/')) throw new HttpError(400, { code: 'UnsupportedRoute', message: `${m} ${p} is not supported by the Convex stand-in` });
    requireAdmin(req);
    if (m === 'POST' && p === '/api/query') return callFunction('query', req, res);
    if (m === 'POST' && p === '/api/mutation') return callFunction('mutation', req, res);
    if (m === 'POST' && p === '/api/export/request/zip') {
      if (jobs.exportRunning()) throw new HttpError(400, { code: 'ExportInProgress', message: 'There is already an export requested or in progress.' });
      stats.exportsRequested++;
      jobs.requestExport(url.searchParams.get('includeStorage') === 'true');
      return void res.writeHead(200).end();
    }
    const download = /^\/api\/export\/zip\/(\d+)$/.exec(p);
    if (m === 'GET' && download) {
      const record = jobs.exportByTs(download[1]!);
      if (!record) throw new HttpError(400, { code: 'ExportNotFound', message: `no completed export at timestamp ${download[1]}` });
      const size = fs.statSync(record.zipPath).size;
      const served = record.truncate ? Math.floor(size / 2) : size;
      res.writeHead(200, {
        'content-type': 'application/zip',
        'content-length': String(served),
        'cache-control': 'private, max-age=0',
        'content-disposition': `attachment; filename=${path.basename(record.zipPath)}`,
      });
      fs.createReadStream(record.zipPath, { start: 0, end: Math.max(0, served - 1) }).pipe(res);
      return;
    }
    if (m === 'POST' && p === '/api/import/start_upload') return sendJson(res, 200, { uploadToken: jobs.startUpload() });
    if (m === 'POST' && p === '/api/import/upload_part') {
      const bytes = await readBody(req);
      try {
        return sendJson(res, 200, jobs.uploadPart(url.searchParams.get('uploadToken') ?? '', Number(url.searchParams.get('partNumber')), bytes));
      } catch (err) {
        throw new HttpError(400, { code: 'InvalidUpload', message: (err as Error).message });
      }
    }
    if (m === 'POST' && p === '/api/import/finish_upload') {
      const body = await readJsonBody(req);
      const args = (body.import ?? {}) as { format?: ImportFormat; mode?: ImportMode; tableName?: string; componentPath?: string };
      if (!args.format || !IMPORT_FORMATS.includes(args.format)) throw new HttpError(400, { code: 'InvalidImport', message: `unknown import format ${JSON.stringify(args.format)}` });
      if (!args.mode || !IMPORT_MODES.includes(args.mode)) throw new HttpError(400, { code: 'InvalidImport', message: `unknown import mode ${JSON.stringify(args.mode)}` });
      if (args.format !== 'zip' && !args.tableName) throw new HttpError(400, { code: 'InvalidImport', message: 'tableName is required for this format' });
      try {
        const record = jobs.finishUpload(String(body.uploadToken ?? ''), (body.partTokens as string[]) ?? [], { format: args.format, mode: args.mode, tableName: args.tableName, componentPath: args.componentPath });
        stats.importsStarted++;
        return sendJson(res, 200, { importId: record.id });
      } catch (err) {
        throw new HttpError(400, { code: 'InvalidUpload', message: (err as Error).message });
      }
    }
    if (m === 'POST' && p === '/api/perform_import') {
      const body = await readJsonBody(req);
      try {
        jobs.performImport(String(body.importId ?? ''));
      } catch (err) {
        throw new HttpError(400, { code: 'InvalidImport', message: (err as Error).message });
      }
      return void res.writeHead(200).end();
    }
    throw new HttpError(400, { code: 'UnsupportedRoute', message: `${m} ${p} is not supported by the Convex stand-in` });
  }

  const server = http.createServer((req, res) => {
    stats.requests++;
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return sendJson(res, err.status, err.body);
      sendJson(res, 500, { code: 'InternalServerError', message: (err as Error).message });
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (SyncSocketServer.isSyncPath(req.url ?? '')) sync.handleUpgrade(req, socket, head);
    else socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir: opts.dataDir,
    seed(table, docs) {
      if (!TABLE_NAME.test(table)) throw new Error(`cannot seed "${table}": not a user table name`);
      const ids = store.insert(table, docs);
      sync.broadcast();
      return ids;
    },
    tables: () => Object.fromEntries(store.tableNames().map((t) => [t, store.count(t)])),
    documentLines: (table) => store.capture().find((t) => t.name === table)?.lines ?? [],
    storeFile: (bytes, contentType) => files.store(bytes, contentType ?? null),
    storedFiles: () => files.list().map((f) => ({ ...f, bytes: files.read(f._id) })),
    corruptStoredFile: (id) => files.corrupt(id),
    clear: () => {
      store.clear();
      files.clear();
    },
    failNextExport: () => void (faults.failNextExport = true),
    stallExports: () => void (faults.stallExports = true),
    releaseExports: () => jobs.releaseExports(),
    truncateNextExport: () => void (faults.truncateNextExport = true),
    hugeLineNextExport: (bytes) => void (faults.hugeLineNextExport = bytes),
    failNextImport: (message = 'Hit an error while importing: injected failure') => void (faults.failNextImport = message),
    stallImports: () => void (faults.stallImports = true),
    releaseImports: () => jobs.releaseImports(),
    dropDocumentsOnNextImport: (count) => void (faults.dropDocumentsOnNextImport = count),
    failMutations: (message = 'injected mutation failure') => void (faults.failMutations = message),
    clearFaults() {
      Object.assign(faults, noFaults(), { failNextImport: undefined, failMutations: undefined });
      jobs.releaseExports();
      jobs.releaseImports();
    },
    imports: () =>
      [...jobs.imports.values()].map((r) => ({ id: r.id, state: r.state.state, mode: r.mode, format: r.format, errorMessage: r.state.state === 'failed' ? r.state.error_message : undefined })),
    stats: () => ({ ...stats }),
    async stop() {
      sync.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

import { TABLE_NAME, type DocumentStore } from './document-store';
import { exportDocument, importDocument, type SnapshotJobs } from './snapshot-jobs';
import { asObject, type ConvexObject, type ConvexValue } from './values';

/**
 * The functions the stand-in runs natively (it runs no user code): the `_system/cli/*` queries the
 * CLI subscribes to, and the `drillProjections:*` contract the runtime stand-in's projection sink
 * and the replay drill's parity read-back use (HTTP API shape, see src/sandbox/convex/README.md).
 */
export type FunctionKind = 'query' | 'mutation';

export class FunctionError extends Error {
  constructor(
    message: string,
    /** HTTP status of `/api/query` and `/api/mutation` answers. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

/** Projection tables are user tables the runtime fills; system tables stay out of reach. */
function tableArg(args: ConvexObject): string {
  const table = args.table;
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) throw new FunctionError(`ArgumentValidationError: "table" must be a user table name (letters, digits, underscores), got ${JSON.stringify(table)}`, 400);
  return table;
}

function keyArg(args: ConvexObject): string {
  const key = args.key;
  if (typeof key !== 'string' || key.length === 0) throw new FunctionError(`ArgumentValidationError: "key" must be a non-empty string, got ${JSON.stringify(typeof key === 'bigint' ? String(key) : key)}`, 400);
  return key;
}

/** A document as projection readers see it: its fields, without `_id` and `_creationTime`. */
function withoutSystemFields(doc: ConvexObject): ConvexObject {
  const { _id: _i, _creationTime: _c, ...fields } = doc;
  return fields;
}

export class StandInFunctions {
  constructor(
    private readonly store: DocumentStore,
    private readonly jobs: SnapshotJobs,
  ) {}

  run(kind: FunctionKind, udfPath: string, rawArgs: ConvexValue): ConvexValue {
    const path = udfPath.replace(/\.js(?=:|$)/, '');
    const args = asObject(rawArgs) ?? {};
    if (kind === 'query') {
      switch (path) {
        case '_system/cli/exports:getLatest': {
          const latest = this.jobs.latestExport();
          return latest ? exportDocument(latest) : null;
        }
        case '_system/cli/queryImport':
        case '_system/cli/queryImport:default': {
          const record = typeof args.importId === 'string' ? this.jobs.imports.get(args.importId) : undefined;
          return record ? importDocument(record) : null;
        }
        case '_system/cli/queryImport:list':
          return [...this.jobs.imports.values()].reverse().map(importDocument);
        case '_system/cli/tableData':
        case '_system/cli/tableData:default':
          return this.tableData(args);
        case 'drillProjections:get': {
          const doc = this.store.getByKey(tableArg(args), keyArg(args));
          return doc ? withoutSystemFields(doc) : null;
        }
        case 'drillProjections:list':
          return this.store.list(tableArg(args)).map(withoutSystemFields);
      }
    } else {
      switch (path) {
        case 'drillProjections:upsert': {
          const table = tableArg(args);
          const key = keyArg(args);
          const doc = asObject(args.doc ?? null);
          if (!doc) throw new FunctionError('ArgumentValidationError: "doc" must be an object', 400);
          const bad = Object.keys(doc).find((f) => f.startsWith('_') || f.startsWith('$'));
          if (bad) throw new FunctionError(`ArgumentValidationError: field "${bad}" is reserved (fields may not start with "_" or "$")`, 400);
          this.store.upsertByKey(table, key, doc);
          return null;
        }
        case 'drillProjections:remove':
          return this.store.removeByKey(tableArg(args), keyArg(args));
      }
    }
    throw new FunctionError(`Could not find function for '${udfPath}'`, 400);
  }

  /**
   * What `convex data <table>` subscribes to: one page of a table's documents, system fields
   * included, by `_creationTime` (`order`, default desc), with the CLI's pagination options.
   */
  private tableData(args: ConvexObject): ConvexValue {
    const table = args.table;
    if (typeof table !== 'string') throw new FunctionError('ArgumentValidationError: "table" must be a string', 400);
    const opts = asObject(args.paginationOpts ?? null) ?? {};
    const numItems = Math.max(1, Number(opts.numItems ?? 100));
    const offset = typeof opts.cursor === 'string' ? Number(opts.cursor) : 0;
    const docs = this.store.list(table).sort((a, b) => Number(a._creationTime) - Number(b._creationTime));
    if (args.order !== 'asc') docs.reverse();
    const page = docs.slice(offset, offset + numItems);
    const end = offset + page.length;
    return { page, isDone: end >= docs.length, continueCursor: String(end) };
  }
}

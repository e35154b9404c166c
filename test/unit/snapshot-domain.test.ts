import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { compareManifests } from '../../src/domain/snapshot/compare-manifests';
import { parseExportOutput, parseImportOutput } from '../../src/domain/snapshot/convex-cli-output';
import { classifyEntry, parseTableMapLine } from '../../src/domain/snapshot/entry-path';
import { JsonlScanner } from '../../src/domain/snapshot/jsonl-scanner';
import type { SnapshotTable } from '../../src/domain/snapshot/manifest';
import { MultisetDigest } from '../../src/domain/snapshot/multiset-digest';
import { restoreGuardProblems, type RestoreRequest } from '../../src/domain/snapshot/restore-guard';
import { snapshotBaseName, snapshotFilesToPrune } from '../../src/domain/snapshot/snapshot-files';
import { checkSnapshotStructure } from '../../src/domain/snapshot/structure';

const sha = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

function digestOf(lines: string[]): string {
  const d = new MultisetDigest();
  for (const l of lines) d.add(sha(l));
  return d.hex();
}

function table(name: string, lines: string[]): SnapshotTable {
  const body = lines.map((l) => `${l}\n`).join('');
  return { name, documents: lines.length, sha256: sha(body), documentsDigest: digestOf(lines), bytes: body.length };
}

describe('snapshot domain', () => {
  describe('JsonlScanner', () => {
    function scan(chunks: string[]) {
      const lines: string[] = [];
      let cur = '';
      const s = new JsonlScanner('t/documents.jsonl', { lineData: (p) => (cur += Buffer.from(p).toString()), lineEnd: () => (lines.push(cur), (cur = '')) });
      for (const c of chunks) s.push(Buffer.from(c));
      return { ...s.finish(), lines };
    }

    it('counts documents and hands over whole lines however the chunks split them', () => {
      const r = scan(['{"_id":"a","n":1.0}\n{"_id":', '"b"}\n{"_i', 'd":"c"}\n']);
      assert.equal(r.documents, 3);
      assert.deepEqual(r.lines, ['{"_id":"a","n":1.0}', '{"_id":"b"}', '{"_id":"c"}']);
      assert.deepEqual(r.problems, []);
    });

    it('reports a last document cut short, blank lines and non-object lines', () => {
      assert.match(scan(['{"_id":"a"}\n{"_id":"b"']).problems.join(), /no trailing newline: the entry was cut mid-document/);
      assert.match(scan(['{"_id":"a"}\n\n']).problems.join(), /line 2: empty line/);
      assert.match(scan(['[1,2]\n']).problems.join(), /line 1: not a JSON object/);
      assert.deepEqual(scan([]).problems, []);
    });
  });

  it('MultisetDigest ignores order but sees any added, missing or changed line', () => {
    const base = digestOf(['{"a":1}', '{"b":2}', '{"c":3}']);
    assert.equal(digestOf(['{"c":3}', '{"a":1}', '{"b":2}']), base);
    assert.notEqual(digestOf(['{"a":1}', '{"b":2}']), base);
    assert.notEqual(digestOf(['{"a":1}', '{"b":2}', '{"c":3}', '{"c":3}']), base);
    assert.notEqual(digestOf(['{"a":1}', '{"b":2}', '{"c":3.0}']), base);
    assert.match(base, /^[0-9a-f]{64}$/);
  });

  it('classifies snapshot entries by path, components included', () => {
    assert.deepEqual(classifyEntry('messages/documents.jsonl'), { kind: 'documents', table: 'messages' });
    assert.deepEqual(classifyEntry('messages/generated_schema.jsonl'), { kind: 'schema', table: 'messages' });
    assert.deepEqual(classifyEntry('_tables/documents.jsonl'), { kind: 'table-map' });
    assert.deepEqual(classifyEntry('_storage/documents.jsonl'), { kind: 'storage-index' });
    assert.deepEqual(classifyEntry('_storage/kg2abc.png'), { kind: 'storage-file' });
    assert.deepEqual(classifyEntry('_components/chat/threads/documents.jsonl'), { kind: 'documents', table: '_components/chat/threads' });
    assert.deepEqual(classifyEntry('README.md'), { kind: 'readme' });
    assert.deepEqual(classifyEntry('_scheduled_jobs/documents.jsonl'), { kind: 'other' });
    assert.deepEqual(parseTableMapLine('{"name":"messages","id":10001}'), { name: 'messages', id: '10001' });
  });

  it('checks that every table _tables lists has its documents', () => {
    const entry = (path: string, kind: 'documents' | 'schema', t: string) => ({ path, kind, table: t, bytes: 0, compressedBytes: 0, crc32: '00000000', sha256: sha('') });
    const entries = [entry('messages/documents.jsonl', 'documents', 'messages'), entry('messages/generated_schema.jsonl', 'schema', 'messages')];
    assert.deepEqual(checkSnapshotStructure(entries, ['messages']).problems, []);
    assert.match(checkSnapshotStructure(entries, ['messages', 'users']).problems.join(), /table users is listed in _tables\/documents\.jsonl but users\/documents\.jsonl is missing/);
    assert.match(checkSnapshotStructure([...entries, entries[0]!], ['messages']).problems.join(), /appears twice/);
    assert.match(checkSnapshotStructure(entries, undefined).warnings.join(), /no _tables\/documents\.jsonl/);
  });

  describe('compareManifests', () => {
    const src = { tables: [table('messages', ['{"_id":"a"}', '{"_id":"b"}']), table('users', ['{"_id":"u"}'])] };

    it('is equal for the same documents, even in another order (with a note)', () => {
      const r = compareManifests(src, { tables: [table('messages', ['{"_id":"b"}', '{"_id":"a"}']), table('users', ['{"_id":"u"}'])] });
      assert.equal(r.equal, true);
      assert.deepEqual(r.mismatches, []);
      assert.match(r.notes.join(), /messages: same documents, exported in a different order/);
    });

    it('names missing tables, count differences and changed bytes', () => {
      const r = compareManifests(src, { tables: [table('messages', ['{"_id":"a"}', '{"_id":"b","n":1}']), table('extra', ['{"_id":"x"}'])] });
      assert.equal(r.equal, false);
      assert.deepEqual(r.mismatches, [
        'table extra: not in the snapshot, but has 1 documents after the restore',
        'table messages: same count (2) but different document bytes after the restore',
        'table users: 1 documents in the snapshot, missing after the restore',
      ]);
      const counts = compareManifests(src, { tables: [table('messages', ['{"_id":"a"}']), table('users', ['{"_id":"u"}'])] });
      assert.deepEqual(counts.mismatches, ['table messages: 2 documents in the snapshot, 1 after the restore']);
    });

    it('ignores extra tables with scope snapshot-tables and empty one-sided tables always', () => {
      const r = compareManifests(src, { tables: [...src.tables, table('live', ['{"_id":"l"}'])] }, 'snapshot-tables');
      assert.equal(r.equal, true);
      const empty = compareManifests({ tables: [...src.tables, table('gone', [])] }, src);
      assert.equal(empty.equal, true);
      assert.match(empty.notes.join(), /gone is empty/);
    });
  });

  describe('convex CLI output', () => {
    it('reads the export lines and refuses an exit code 0 without a download', () => {
      const ok = '- Creating snapshot export\n✔ Created snapshot export at timestamp 1795632705690000000\n✔ Downloaded snapshot export to /s/x.zip\n';
      assert.deepEqual(parseExportOutput(ok, 0), { snapshotTs: '1795632705690000000', downloadedTo: '/s/x.zip' });
      assert.equal(parseExportOutput('- Creating snapshot export\n', 0).failure?.kind, 'no-result');
      assert.equal(parseExportOutput('✖ Export failed. Please try again later or contact support@convex.dev for help.', 1).failure?.kind, 'export-failed');
      assert.equal(parseExportOutput('A snapshot export is already requested or in progress. Only one can run at a time', 1).failure?.kind, 'export-in-progress');
      const bad = parseExportOutput('✖ Error fetching POST  http://h/api/export/request/zip?includeStorage=false 401 Unauthorized: BadAdminKey: The provided admin key was invalid for this instance\nAuthenticate with `npx convex dev`', 1);
      assert.equal(bad.failure?.kind, 'bad-admin-key');
      assert.match(bad.failure!.detail, /401 Unauthorized: BadAdminKey/);
    });

    it('reads Added and Imported lines, with colours, and per-table imports', () => {
      const out = '\u001b[32m✔\u001b[39m Imported "messages" (2 documents)\n✔ Imported "users" (1 documents)\n✔ Added 3 documents.\n';
      assert.deepEqual(parseImportOutput(out, 0), { addedDocuments: 3, tables: { messages: 2, users: 1 } });
      assert.equal(parseImportOutput('✔ Added 2 documents to table "messages".\n', 0).addedDocuments, 2);
    });

    it('fails an import the backend failed even when the exit code is 0', () => {
      const out = '- Importing snap.zip (1.3 KiB)\n✖ Importing data from "snap.zip" failed\n\nHit an error while importing: disk quota exceeded\n';
      const r = parseImportOutput(out, 0);
      assert.equal(r.failure?.kind, 'import-failed');
      assert.equal(r.failure?.detail, 'Hit an error while importing: disk quota exceeded');
      assert.equal(parseImportOutput('- Importing snap.zip (1 KiB)\n', 0).failure?.kind, 'no-result');
      assert.equal(parseImportOutput('Unexpected Error: Error: {"code":"BadAdminKey","message":"The provided admin key was invalid for this instance"}', 1).failure?.kind, 'bad-admin-key');
      assert.equal(parseImportOutput('✔ Added 3 documents.\nWARNING: Import is continuing to run on the server.', 1).failure?.kind, 'import-failed');
    });
  });

  describe('snapshot files and retention', () => {
    it('names snapshots in UTC with milliseconds, so they sort by age', () => {
      assert.equal(snapshotBaseName('Non Prod', new Date('2026-02-19T15:39:49.007Z')), 'convex-non-prod-export-20260219T153949007Z');
    });

    it('keeps the newest N snapshots with their manifests and never touches other files', () => {
      const files = [
        'convex-sandbox-export-20260101T000000000Z.zip',
        'convex-sandbox-export-20260101T000000000Z.manifest.json',
        'convex-sandbox-export-20260101T000000000Z.restored.manifest.json',
        'convex-sandbox-export-20260102T000000000Z.zip',
        'convex-sandbox-export-20260102T000000000Z.manifest.json',
        'convex-sandbox-export-20260103T000000000Z.zip',
        'convex-prod-export-20250101T000000000Z.zip',
        'notes.txt',
      ];
      assert.deepEqual(snapshotFilesToPrune(files, 'sandbox', 2), [
        'convex-sandbox-export-20260101T000000000Z.manifest.json',
        'convex-sandbox-export-20260101T000000000Z.restored.manifest.json',
        'convex-sandbox-export-20260101T000000000Z.zip',
      ]);
      assert.deepEqual(snapshotFilesToPrune(files, 'sandbox', 5), []);
    });
  });

  describe('restore guard', () => {
    const base: RestoreRequest = {
      environment: 'nonprod',
      production: false,
      mode: 'scratch',
      sourceUrl: 'https://backend.example',
      scratchUrl: 'https://scratch.example',
      approvers: [],
      authorization: { destructive: false, confirmed: false, requestedBy: 'ada' },
    };

    it('allows a scratch restore, even for production, and needs a separate scratch deployment', () => {
      assert.deepEqual(restoreGuardProblems(base), []);
      assert.deepEqual(restoreGuardProblems({ ...base, production: true }), []);
      assert.match(restoreGuardProblems({ ...base, scratchUrl: undefined }).join(), /needs a scratch deployment: set backup\.scratch/);
      assert.match(restoreGuardProblems({ ...base, scratchUrl: 'https://backend.example/' }).join(), /is the source deployment/);
    });

    it('refuses replace modes without --destructive and production writes without the guard', () => {
      assert.match(restoreGuardProblems({ ...base, mode: 'replace-all' }).join(), /replace-all deletes documents in https:\/\/backend\.example \(every table\): pass --destructive/);
      assert.deepEqual(restoreGuardProblems({ ...base, mode: 'replace', authorization: { ...base.authorization, destructive: true } }), []);
      const prod = { ...base, production: true, mode: 'append' as const };
      assert.match(restoreGuardProblems(prod).join(), /production .* needs --confirm, --ticket <change ticket>, --reason <why>/);
      const confirmed = { ...prod, authorization: { ...base.authorization, confirmed: true, ticket: 'CHG-1', reason: 'quarterly drill' } };
      assert.deepEqual(restoreGuardProblems(confirmed), []);
      assert.match(restoreGuardProblems({ ...confirmed, approvers: ['grace'] }).join(), /ada is not one of its approvers \(grace\)/);
    });
  });
});

import assert from 'node:assert/strict';
import { parseReprojectLine } from '../../src/domain/reproject/line';
import { parseReprojectOutput } from '../../src/domain/reproject/output';
import { evaluateReprojectOutput, type ReprojectExpectation } from '../../src/domain/reproject/outcome';

// Lines as the runtime's `mix runtime.convex.reproject` prints them.
const RUN_OK = 'reproject scope=run entity=g7_drill_run_8130 result=ok write=applied duration_ms=63';
const WORKER_OK = 'reproject scope=codex_worker entity=g7_drill_worker_8130 result=ok write=applied duration_ms=70';
const RUN_SINK_ERROR = 'reproject scope=run entity=g7_drill_run_8130 result=error reason=sink_write_failed duration_ms=12';

const single = (scope: 'run' | 'codex_worker', entity: string): ReprojectExpectation => ({ mode: 'single', target: { scope, entity } });

describe('parseReprojectLine', () => {
  it('reads the success line of the drill report', () => {
    const parsed = parseReprojectLine(RUN_OK);
    assert.deepEqual(parsed, {
      kind: 'entity',
      line: { scope: 'run', entity: 'g7_drill_run_8130', result: 'ok', write: 'applied', durationMs: 63, raw: RUN_OK },
    });
  });

  it('reads the report form without the leading "reproject" and a codex_worker scope', () => {
    const parsed = parseReprojectLine('scope=codex_worker entity=g7_drill_worker_8130 result=ok write=applied duration_ms=70');
    assert.equal(parsed?.kind, 'entity');
    if (parsed?.kind === 'entity') {
      assert.equal(parsed.line.scope, 'codex_worker');
      assert.equal(parsed.line.durationMs, 70);
    }
  });

  it('reads the stderr error line, which has a reason and no write=', () => {
    const parsed = parseReprojectLine(RUN_SINK_ERROR);
    assert.equal(parsed?.kind, 'entity');
    if (parsed?.kind === 'entity') {
      assert.equal(parsed.line.result, 'error');
      assert.equal(parsed.line.reason, 'sink_write_failed');
      assert.equal(parsed.line.write, undefined);
    }
  });

  it('keeps a reason printed with spaces whole', () => {
    const parsed = parseReprojectLine('reproject scope=run entity=r1 result=error reason={:http_status, 500} duration_ms=9');
    assert.equal(parsed?.kind === 'entity' && parsed.line.reason, '{:http_status, 500}');
  });

  it('reads a skipped write and an error without reason', () => {
    const skipped = parseReprojectLine('reproject scope=run entity=r1 result=ok write=skipped duration_ms=0');
    assert.equal(skipped?.kind === 'entity' && skipped.line.write, 'skipped');
    const bare = parseReprojectLine('reproject scope=run entity=r1 result=error duration_ms=3');
    assert.equal(bare?.kind === 'entity' && bare.line.reason, 'unspecified');
  });

  it('strips terminal colour codes and carriage returns', () => {
    const parsed = parseReprojectLine(`\u001b[31m${RUN_SINK_ERROR}\u001b[0m\r`);
    assert.equal(parsed?.kind === 'entity' && parsed.line.reason, 'sink_write_failed');
  });

  it('ignores lines that are not entity lines', () => {
    for (const noise of ['', 'Compiling 3 files (.ex)', 'Generated openagents_runtime app', '[info] Running migrations', 'Convex reprojection summary:', '  total_entities: 2', 'reproject', 'reproject starting']) {
      assert.equal(parseReprojectLine(noise), null, noise);
    }
  });

  it('calls broken entity lines malformed instead of skipping them', () => {
    const cases: [string, RegExp][] = [
      ['reproject scope=run entity=r1 result=ok duration_ms=5', /without write=/],
      ['reproject scope=run entity=r1 result=maybe write=applied duration_ms=5', /neither ok nor error/],
      ['reproject scope=run entity=r1 result=ok write=queued duration_ms=5', /neither applied nor skipped/],
      ['reproject scope=run entity=r1 result=ok write=applied duration_ms=5ms', /whole number/],
      ['reproject scope=run entity=r1 result=ok write=applied', /missing duration_ms=/],
      ['reproject scope=run result=ok write=applied duration_ms=1', /missing entity=/],
      ['reproject scope=run entity= result=ok write=applied duration_ms=1', /missing entity=/],
      ['reproject scope=run entity=r1 entity=r2 result=ok write=applied duration_ms=1', /twice/],
      ['reproject scope=run entity=r1 oops result=ok write=applied duration_ms=1', /unexpected token "oops"/],
    ];
    for (const [line, problem] of cases) {
      const parsed = parseReprojectLine(line);
      assert.equal(parsed?.kind, 'malformed', line);
      if (parsed?.kind === 'malformed') assert.match(parsed.problem, problem, line);
    }
  });
});

describe('parseReprojectLine: lines behind a logger, bare results, error logs', () => {
  it('reads an entity line behind an Elixir Logger prefix or a logfmt prefix', () => {
    for (const prefix of ['12:00:00.123 [error] ', '12:00:00.123 request_id=F1x [error] ', 'time=2026-01-01T12:00:00Z level=error msg=reproject ', '2026-01-01 12:00:00 ERROR ']) {
      const parsed = parseReprojectLine(`${prefix}${RUN_SINK_ERROR}`);
      assert.equal(parsed?.kind, 'entity', prefix);
      if (parsed?.kind === 'entity') {
        assert.deepEqual([parsed.line.entity, parsed.line.result, parsed.line.reason], ['g7_drill_run_8130', 'error', 'sink_write_failed'], prefix);
        assert.equal(parsed.line.raw, `${prefix}${RUN_SINK_ERROR}`, 'the whole line is kept for quoting');
      }
    }
  });

  it('calls any other line carrying result= malformed, never noise', () => {
    for (const line of ['result=error', 'result=ok', '12:00:00.123 [error] result=error reason=timeout', 'level=error result=error scope=run entity=r1 duration_ms=1', 'entity=r1 scope=run result=ok write=applied duration_ms=1']) {
      assert.equal(parseReprojectLine(line)?.kind, 'malformed', line);
    }
  });

  it('tells error-level log lines from noise', () => {
    for (const line of ['12:00:00.124 [error] Reprojection of r1 crashed', 'level=error msg="projector down"', 'FATAL projector down', '** (RuntimeError) boom']) {
      assert.equal(parseReprojectLine(line)?.kind, 'error-log', line);
    }
    for (const line of ['12:00:00.124 [info] reproject scope=run entity=r1 starting', '[warning] convex projection drift projection=x entity=r1', 'no error here', 'error_handler loaded']) {
      assert.equal(parseReprojectLine(line), null, line);
    }
  });
});

describe('parseReprojectOutput and evaluateReprojectOutput', () => {
  it('passes a single success on stdout among compile noise', () => {
    const out = parseReprojectOutput({ stdout: `Compiling 1 file (.ex)\n${RUN_OK}\n`, stderr: 'warning: something deprecated\n' });
    assert.equal(out.entries.length, 1);
    assert.equal(out.noiseLines, 2);
    const verdict = evaluateReprojectOutput(out, single('run', 'g7_drill_run_8130'), 0);
    assert.equal(verdict.ok, true);
    assert.equal(verdict.lines[0]?.write, 'applied');
  });

  it('fails on result=error printed to stderr although the command exited 0 (the operators\' script trusted that exit code)', () => {
    const out = parseReprojectOutput({ stdout: '', stderr: `${RUN_SINK_ERROR}\n` });
    assert.equal(out.entries[0]?.stream, 'stderr');
    const verdict = evaluateReprojectOutput(out, single('run', 'g7_drill_run_8130'), 0);
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.failures.map((f) => f.kind), ['entity-error']);
    assert.match(verdict.failures[0]!.message, /reason=sink_write_failed/);
  });

  it('fails when the command printed no line at all, whatever the exit code', () => {
    const verdict = evaluateReprojectOutput(parseReprojectOutput({ stdout: 'Generated app\n', stderr: '' }), single('run', 'r1'), 0);
    assert.deepEqual(verdict.failures.map((f) => f.kind), ['missing-line']);
  });

  it('fails on a line for another entity (an unexpected entity and a missing one)', () => {
    const verdict = evaluateReprojectOutput(parseReprojectOutput({ stdout: `${WORKER_OK}\n`, stderr: '' }), single('run', 'g7_drill_run_8130'), 0);
    assert.deepEqual(verdict.failures.map((f) => f.kind).sort(), ['missing-line', 'unexpected-entity']);
  });

  it('fails when the scope is wrong although the entity id matches', () => {
    const line = 'reproject scope=codex_worker entity=g7_drill_run_8130 result=ok write=applied duration_ms=1';
    const verdict = evaluateReprojectOutput(parseReprojectOutput({ stdout: line, stderr: '' }), single('run', 'g7_drill_run_8130'), 0);
    assert.equal(verdict.ok, false);
  });

  it('fails on two lines for the same entity', () => {
    const verdict = evaluateReprojectOutput(parseReprojectOutput({ stdout: `${RUN_OK}\n`, stderr: `${RUN_SINK_ERROR}\n` }), single('run', 'g7_drill_run_8130'), 0);
    assert.deepEqual(verdict.failures.map((f) => f.kind).sort(), ['duplicate-line', 'entity-error']);
  });

  it('fails on a malformed line even next to a good one', () => {
    const verdict = evaluateReprojectOutput(
      parseReprojectOutput({ stdout: `${RUN_OK}\nreproject scope=run entity=g7_drill_run_8130 result=ok\n`, stderr: '' }),
      single('run', 'g7_drill_run_8130'),
      0,
    );
    assert.ok(verdict.failures.some((f) => f.kind === 'malformed-line'));
  });

  it('fails on a non-zero exit even with a success line', () => {
    const verdict = evaluateReprojectOutput(parseReprojectOutput({ stdout: RUN_OK, stderr: '** (Mix) could not start app' }), single('run', 'g7_drill_run_8130'), 1);
    assert.deepEqual(verdict.failures.map((f) => f.kind), ['command-failed']);
    assert.deepEqual(evaluateReprojectOutput(parseReprojectOutput({ stdout: RUN_OK, stderr: '' }), single('run', 'g7_drill_run_8130'), null).failures.map((f) => f.kind), ['command-failed']);
  });

  it('fails on an error logged about the reprojection or the entity, quoting it; other errors stay noise', () => {
    const stderr = '12:00:00.1 [error] Postgrex.Protocol disconnected\n12:00:00.2 [error] Reprojection of g7_drill_run_8130 crashed: :timeout\n';
    const verdict = evaluateReprojectOutput(parseReprojectOutput({ stdout: RUN_OK, stderr }), single('run', 'g7_drill_run_8130'), 0);
    assert.deepEqual(verdict.failures.map((f) => f.kind), ['error-line']);
    assert.equal(verdict.failures[0]!.message, 'the command logged an error on stderr: "12:00:00.2 [error] Reprojection of g7_drill_run_8130 crashed: :timeout"');
    const unrelated = evaluateReprojectOutput(parseReprojectOutput({ stdout: RUN_OK, stderr: '12:00:00.1 [error] Postgrex.Protocol disconnected\n' }), single('run', 'g7_drill_run_8130'), 0);
    assert.equal(unrelated.ok, true);
  });

  it('fails on a logger-prefixed result=error for the entity, quoting the line as printed', () => {
    const line = `12:00:00.123 [error] ${RUN_SINK_ERROR}`;
    const verdict = evaluateReprojectOutput(parseReprojectOutput({ stdout: '', stderr: line }), single('run', 'g7_drill_run_8130'), 0);
    assert.deepEqual(verdict.failures.map((f) => f.kind), ['entity-error']);
    assert.ok(verdict.failures[0]!.message.endsWith(`: "${line}"`), verdict.failures[0]!.message);
  });

  it('fails on a bare result=error next to a success line', () => {
    const verdict = evaluateReprojectOutput(parseReprojectOutput({ stdout: RUN_OK, stderr: 'result=error\n' }), single('run', 'g7_drill_run_8130'), 0);
    assert.deepEqual(verdict.failures.map((f) => f.kind), ['malformed-line']);
    assert.match(verdict.failures[0]!.message, /on stderr .*: "result=error"$/);
  });

  describe('--all', () => {
    const allOutput = (lines: string[], counts: [number, number, number]): string =>
      ['Convex reprojection summary:', `  total_entities: ${counts[0]}`, `  succeeded_entities: ${counts[1]}`, `  failed_entities: ${counts[2]}`, ...lines.map((l) => `  ${l}`)].join('\n');
    const okRun = 'scope=run entity=run_a result=ok write=applied reason=nil duration_ms=4';
    const okWorker = 'scope=codex_worker entity=worker_a result=ok write=applied reason= duration_ms=6';
    const badRun = 'scope=run entity=run_b result=error write= reason=run_not_found duration_ms=1';
    const expectAll = (expected: [('run' | 'codex_worker'), string][]): ReprojectExpectation => ({ mode: 'all', expected: expected.map(([scope, entity]) => ({ scope, entity })) });

    it('reads the summary counters and every entity line', () => {
      const out = parseReprojectOutput({ stdout: allOutput([okRun, okWorker], [2, 2, 0]), stderr: '' });
      assert.deepEqual(out.summary, { totalEntities: 2, succeededEntities: 2, failedEntities: 0 });
      assert.equal(out.entries.length, 2);
      assert.equal(out.entries[0]?.reason, undefined, 'reason=nil on success is no reason');
      const verdict = evaluateReprojectOutput(out, expectAll([['run', 'run_a'], ['codex_worker', 'worker_a']]), 0);
      assert.equal(verdict.ok, true, JSON.stringify(verdict.failures));
    });

    it('accepts entities other than the expected ones in a full replay', () => {
      const out = parseReprojectOutput({ stdout: allOutput([okRun, okWorker], [2, 2, 0]), stderr: '' });
      assert.equal(evaluateReprojectOutput(out, expectAll([['run', 'run_a']]), 0).ok, true);
    });

    it('fails when an entity failed, although the task exits 0', () => {
      const out = parseReprojectOutput({ stdout: allOutput([okRun, badRun], [2, 1, 1]), stderr: '' });
      assert.equal(out.entries[1]?.result, 'error');
      const verdict = evaluateReprojectOutput(out, expectAll([['run', 'run_a']]), 0);
      assert.deepEqual(verdict.failures.map((f) => f.kind).sort(), ['entity-error', 'summary-mismatch']);
      assert.ok(verdict.failures.some((f) => /failed_entities: 1/.test(f.message)));
    });

    it('fails when the counters disagree with the lines', () => {
      const out = parseReprojectOutput({ stdout: allOutput([okRun], [2, 2, 0]), stderr: '' });
      const verdict = evaluateReprojectOutput(out, expectAll([['run', 'run_a']]), 0);
      assert.deepEqual(verdict.failures.map((f) => f.kind), ['summary-mismatch']);
    });

    it('fails without a summary or with a broken one', () => {
      assert.ok(evaluateReprojectOutput(parseReprojectOutput({ stdout: okRun, stderr: '' }), expectAll([['run', 'run_a']]), 0).failures.some((f) => f.kind === 'summary-mismatch'));
      const broken = parseReprojectOutput({ stdout: 'Convex reprojection summary:\n  total_entities: x\n' + okRun, stderr: '' });
      assert.match(broken.summaryProblem ?? '', /total_entities/);
      const partial = parseReprojectOutput({ stdout: 'Convex reprojection summary:\n  total_entities: 1\n' + okRun, stderr: '' });
      assert.match(partial.summaryProblem ?? '', /succeeded_entities, failed_entities/);
    });

    it('fails when an expected entity is missing from the full replay', () => {
      const out = parseReprojectOutput({ stdout: allOutput([okRun], [1, 1, 0]), stderr: '' });
      assert.deepEqual(evaluateReprojectOutput(out, expectAll([['run', 'run_a'], ['codex_worker', 'worker_z']]), 0).failures.map((f) => f.kind), ['missing-line']);
    });
  });

  it('counts garbage as noise and never as success', () => {
    const garbage = '\u0000\u0001 binary\nscope\n=\n==\nresult=ok write=applied\nentity=x scope=run result=ok write=applied duration_ms=1\n';
    const out = parseReprojectOutput({ stdout: garbage, stderr: 'Segmentation fault\n' });
    assert.equal(out.entries.length, 0);
    assert.equal(evaluateReprojectOutput(out, single('run', 'x'), 0).ok, false);
  });
});

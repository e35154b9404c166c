import assert from 'node:assert/strict';
import { colourEnabled, paint } from '../../src/cli/output';
import { plural } from '../../src/domain/plural';

const terminal = { isTTY: true, hasColors: () => true } as unknown as NodeJS.WriteStream;
const pipe = { isTTY: false } as unknown as NodeJS.WriteStream;

describe('CLI output', () => {
  it('colours a terminal, not a pipe, and never with NO_COLOR', () => {
    assert.equal(colourEnabled(terminal, {}), true);
    assert.equal(colourEnabled(pipe, {}), false);
    assert.equal(colourEnabled(terminal, { NO_COLOR: '1' }), false);
    assert.equal(colourEnabled(pipe, { FORCE_COLOR: '1' }), true);
    assert.equal(colourEnabled(terminal, { FORCE_COLOR: '0' }), false);
  });

  it('leaves text as is where colour is off', () => {
    assert.equal(paint('red', 'FAIL', pipe), 'FAIL');
  });

  it('counts in the right number', () => {
    assert.equal(plural(1, 'step'), '1 step');
    assert.equal(plural(5, 'step'), '5 steps');
    assert.equal(plural(0, 'process', 'processes'), '0 processes');
  });
});

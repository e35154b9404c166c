import type * as LogUpdate from 'log-update';
import { clock } from './render-progress';

/** How often a plain view repeats a line whose only change is a number (bytes, a streak). */
const PLAIN_NUMBERS_EVERY_MS = 10_000;

/**
 * Where progress goes: one block redrawn in place on a terminal, or plain lines (printed when
 * something changed) for logs, pipes and --json.
 */
export interface ProgressView {
  /** The current state: the block a terminal redraws, and the one line a log gets. */
  show(frame: string, line: string, elapsedMs: number): void;
  /** A line that stays (a step the caller took), printed above the live block. */
  note(text: string): void;
  /** Stops redrawing; the block is cleared so the final report follows the notes. */
  stop(): void;
}

/**
 * A live block only when a person watches: the stream and stdout are terminals (not piped, not
 * redirected) with a size (log-update draws nothing in a 0-column pseudo-terminal), no --json.
 */
export function isLiveTerminal(stream: NodeJS.WriteStream, json: boolean): boolean {
  return !json && !!stream.isTTY && !!process.stdout.isTTY && (stream.columns ?? 0) > 0 && process.env.TERM !== 'dumb';
}

function liveView(stream: NodeJS.WriteStream): ProgressView {
  // log-update is an ES module; Node 20.19+ loads it with require (package.json engines).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createLogUpdate } = require('log-update') as typeof LogUpdate;
  const log = createLogUpdate(stream);
  let last = '';
  return {
    show(frame) {
      last = frame;
      log(frame);
    },
    note(text) {
      log.clear();
      stream.write(`${text}\n`);
      if (last) log(last);
    },
    stop() {
      log.clear();
      log.done();
    },
  };
}

function plainView(stream: NodeJS.WriteStream): ProgressView {
  let lastLine = '';
  let lastShape = '';
  let lastAt = 0;
  return {
    show(_frame, line, elapsedMs) {
      const shape = line.replace(/\d+(\.\d+)?/g, '#');
      const now = Date.now();
      if (line === lastLine || (shape === lastShape && now - lastAt < PLAIN_NUMBERS_EVERY_MS)) return;
      stream.write(`[${clock(elapsedMs)}] ${line}\n`);
      lastLine = line;
      lastShape = shape;
      lastAt = now;
    },
    note(text) {
      stream.write(`${text}\n`);
    },
    stop() {},
  };
}

/** A live block on a terminal (unless --json), plain lines otherwise. */
export function progressView(stream: NodeJS.WriteStream, json: boolean): ProgressView {
  return isLiveTerminal(stream, json) ? liveView(stream) : plainView(stream);
}

import fs from 'node:fs';
import path from 'node:path';

/** Where `npm run setup` (scripts/setup.js) recorded the Temporal binaries it found or installed. */
const binariesFile = path.resolve(__dirname, '..', '..', '.tools', 'binaries.json');

interface RecordedBinaries {
  temporal?: string;
  testServer?: string | null;
}

function recorded(): RecordedBinaries {
  try {
    return JSON.parse(fs.readFileSync(binariesFile, 'utf8')) as RecordedBinaries;
  } catch {
    return {};
  }
}

/** The `temporal` CLI: TEMPORAL_CLI, then what set-up recorded, then PATH. */
export function temporalCliPath(): string {
  return process.env.TEMPORAL_CLI ?? recorded().temporal ?? 'temporal';
}

/** The Java time-skipping test server, or undefined when set-up could not install it. */
export function temporalTestServerPath(): string | undefined {
  return process.env.TEMPORAL_TEST_SERVER ?? recorded().testServer ?? undefined;
}

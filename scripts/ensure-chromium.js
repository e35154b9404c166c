#!/usr/bin/env node
'use strict';
// The browser for `npm run test:ui`: CHROMIUM_PATH, else Debian's `chromium` package, installed
// with apt-get when it is missing (as root, or through sudo). Prints the executable's path.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const found = () => [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p) => p && fs.existsSync(p));

function aptGet(args) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const [cmd, argv] = root ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]];
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

if (!found()) {
  process.stderr.write('[test:ui] chromium is missing; installing Debian\'s package with apt-get ...\n');
  const flags = ['install', '-y', '--no-install-recommends', 'chromium'];
  if (!aptGet(flags) && !(aptGet(['update']) && aptGet(flags))) {
    process.stderr.write('test:ui: could not install chromium with apt-get; install it yourself or set CHROMIUM_PATH\n');
    process.exit(2);
  }
}
const path = found();
if (!path) {
  process.stderr.write('test:ui: chromium was installed but is not at /usr/bin/chromium; set CHROMIUM_PATH\n');
  process.exit(2);
}
process.stdout.write(`${path}\n`);

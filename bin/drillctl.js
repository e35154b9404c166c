#!/usr/bin/env node
'use strict';
// Runs the compiled CLI (lib/, built by `npm run build`); from a checkout that was never built,
// falls back to the TypeScript sources through tsx.
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '..', 'lib', 'cli', 'main.js');
if (fs.existsSync(compiled) && !process.env.DRILLCTL_FROM_SOURCE) {
  require(compiled).main(process.argv);
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'src', 'cli', 'main.ts')).main(process.argv);
}

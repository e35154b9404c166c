#!/usr/bin/env node
'use strict';
// The sandbox's runtime stand-in (reproject / seed / cleanup / history), run as a subprocess like
// the real `mix runtime.convex.reproject`. Uses the compiled lib/ when built, else the sources via tsx.
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '..', 'lib', 'sandbox', 'runtime', 'cli.js');
if (fs.existsSync(compiled) && !process.env.DRILLCTL_FROM_SOURCE) {
  require(compiled).main(process.argv);
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'src', 'sandbox', 'runtime', 'cli.ts')).main(process.argv);
}

#!/usr/bin/env node
// The CLI is bundled into dist/cli.js by `npm run build` (run by `npm install` through `prepare`).
require('../dist/cli.js');

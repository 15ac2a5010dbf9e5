#!/usr/bin/env node
import { main } from '../dist/cli/main.js';
// `knet … | head`: once the reader is gone there is nobody to tell; stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
process.exitCode = await main(process.argv);

#!/usr/bin/env node
// Registers the TypeScript loader so that job files and Weir's own sources run without a build step.
import { register } from 'tsx/esm/api';

register();
// `weir checkpoints inspect ... | head`: a reader that stops early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// The `weir` command. Job files are TypeScript ES modules, loaded by tsx (see load-job-file.ts).
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { register as registerEsm } from 'tsx/esm/api';

// In Weir's own repository (tsconfig.json sits beside bin/; the published package has none), run
// from the sources, as the tests do: the `development` export condition maps @weir/* to src/. It
// goes into execArgv too, for worker threads started with this process's options (`--workers`).
// An installed package runs its built JavaScript, loaded before tsx's hooks are registered: with
// hooks, every module (and every require of a CommonJS dependency) is a round trip to the hooks'
// thread, which made loading Weir about 1.7 times slower. Only the job file needs tsx.
const checkout = existsSync(new URL('../tsconfig.json', import.meta.url));
let main;
if (checkout) {
  registerEsm();
  register('./development-condition.js', import.meta.url);
  if (!process.execArgv.includes('--conditions=development')) process.execArgv.push('--conditions=development');
  ({ main } = await import('../src/main.ts'));
} else {
  ({ main } = await import('../dist/main.js'));
  registerEsm();
}
// `weir checkpoints inspect ... | head`: a reader that stops early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// The `weir` command. Job files are TypeScript ES modules, loaded by tsx (see load-job-file.ts).
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { register as registerEsm } from 'tsx/esm/api';

registerEsm();
// In Weir's own repository (tsconfig.json sits beside bin/; the published package has none), run
// from the sources, as the tests do: the `development` export condition maps @weir/* to src/. It
// goes into execArgv too, for worker threads started with this process's options (`--workers`).
// An installed package runs its built JavaScript.
const checkout = existsSync(new URL('../tsconfig.json', import.meta.url));
if (checkout) {
  register('./development-condition.js', import.meta.url);
  if (!process.execArgv.includes('--conditions=development')) process.execArgv.push('--conditions=development');
}
// `weir checkpoints inspect ... | head`: a reader that stops early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import(checkout ? '../src/main.ts' : '../dist/main.js');
process.exitCode = await main(process.argv.slice(2));

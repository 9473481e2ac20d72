#!/usr/bin/env node
// Registers the TypeScript loader so that job files and Weir's own sources run without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));

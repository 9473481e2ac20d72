/**
 * A project outside the repository with Weir installed as a user installs it: the three packages
 * packed with `npm pack` (their prepack builds dist/), then `npm install`ed from the tarballs into
 * a fresh `npm init -y` project under the system's temp directory. Only the npm registry is
 * needed, and the local npm cache is preferred (`--prefer-offline`).
 *
 * Commands run with an environment cleaned of this repository: no `node_modules/.bin` of the
 * repository on the PATH, no npm or vitest variables of the test run, so that nothing the project
 * does can find Weir except through what it installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const PACKAGES = ['@weir/core', '@weir/redis', '@weir/cli'] as const;

/** What a finished command printed, and how it ended. */
export interface CommandResult {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** npm settings of the machine a nested npm keeps: its cache, registry, certificates and proxies. */
const NPM_MACHINE_CONFIG = /^npm_config_(cache|registry|@.*:registry|userconfig|globalconfig|cafile|ca|proxy|https_proxy|noproxy|strict_ssl)$/i;

/** The environment of commands in the project: this process's, without any trace of the repository. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || v.includes(REPO)) continue;
    // The test run's own npm script (npm_lifecycle_*, npm_package_*, npm_config_call, ...) and vitest worker.
    if (/^npm_/i.test(k) && !NPM_MACHINE_CONFIG.test(k)) continue;
    if (/^(vitest|init_cwd$|node_options$|node_env$|test$)/i.test(k)) continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => p !== '' && !resolve(p).startsWith(REPO))
    .join(delimiter);
  return { ...env, ...extra };
}

/** Starts `command args` in `cwd` with the clean environment. */
export function start(cwd: string, command: string, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(command, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `command args` in `cwd` to its end. */
export function run(cwd: string, command: string, args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> {
  const child = start(cwd, command, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: signal ?? code ?? -1, stdout, stderr }));
  });
}

/** Runs a command that must succeed; its output is in the error otherwise. */
export async function ok(cwd: string, command: string, args: readonly string[], env: Record<string, string> = {}): Promise<CommandResult> {
  const result = await run(cwd, command, args, env);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) ended with ${result.code}:\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  }
  return result;
}

/** `npm install` flags: the local cache first, no audit or funding requests. */
export const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund'];

export interface InstalledProject {
  /** The project's directory, outside the repository. */
  readonly dir: string;
  /** The packed tarballs, by package name. */
  readonly tarballs: Readonly<Record<(typeof PACKAGES)[number], string>>;
  cleanup(): Promise<void>;
}

/** Packs the three packages and installs them into a new project (`npm init -y`, then `npm install` of the tarballs). */
export async function installWeir(): Promise<InstalledProject> {
  const root = await mkdtemp(join(tmpdir(), 'weir-installed-'));
  const packs = join(root, 'tarballs');
  const dir = join(root, 'my-pipeline');
  await mkdir(packs);
  await mkdir(dir);
  // One npm for the three: each prepack builds its package (tsc -b; incremental, so quick when built).
  await ok(REPO, 'npm', ['pack', '--silent', '--pack-destination', packs, ...PACKAGES.flatMap((p) => ['--workspace', p])]);
  const files = await readdir(packs);
  const tarball = (name: string): string => {
    const file = files.find((f) => f.startsWith(`${name.slice(1).replace('/', '-')}-`) && f.endsWith('.tgz'));
    if (file === undefined) throw new Error(`npm pack wrote no tarball of ${name}: ${files.join(', ')}`);
    return join(packs, file);
  };
  const tarballs = { '@weir/core': tarball('@weir/core'), '@weir/redis': tarball('@weir/redis'), '@weir/cli': tarball('@weir/cli') };
  await ok(dir, 'npm', ['init', '-y']);
  await ok(dir, 'npm', [...NPM_INSTALL, ...Object.values(tarballs)]);
  return { dir, tarballs, cleanup: () => rm(root, { recursive: true, force: true }) };
}

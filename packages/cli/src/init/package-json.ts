/**
 * The package.json part of `weir init`, decided without touching the disk: a new manifest, or an
 * existing one completed. Nothing the user wrote is replaced, except what `npm init -y` writes as
 * placeholders (`"type": "commonjs"`, the failing `test` script); anything else in the way is a
 * conflict, and then `weir init` writes nothing.
 */

/** The scripts of a Weir project. `start` type-checks first: tsx, which runs job files, does not. */
export const SCRIPTS: Readonly<Record<string, string>> = {
  start: 'tsc --noEmit && weir run jobs/example.ts',
  test: 'vitest run',
  typecheck: 'tsc --noEmit',
};

/** Development tools of the scaffold, the ranges Weir itself is built and tested with. */
export const DEV_TOOLS: Readonly<Record<string, string>> = {
  typescript: '~5.9.3',
  vitest: '^4.1.12',
};

/**
 * Install scripts npm 11 holds back until allowed (`allowScripts`), as Weir's own package.json
 * allows them: esbuild (under tsx) checks its binary, msgpackr-extract its prebuilt addon.
 */
export const ALLOWED_SCRIPTS: Readonly<Record<string, boolean>> = { esbuild: true, 'msgpackr-extract': true };

/** `npm init -y`'s `test` script: a placeholder, replaced without asking. */
const NPM_PLACEHOLDER_TEST = 'echo "Error: no test specified" && exit 1';

export interface PackageJsonContext {
  /** The project's directory name: the package name of a new manifest. */
  readonly directoryName: string;
  /** The version of the @weir packages (weir's own), for dependencies the project lacks. */
  readonly weirVersion: string;
  /** Node's major version, for `@types/node`. */
  readonly nodeMajor: number;
}

/** What becomes of package.json: its new text and what changed, or why nothing may be written. */
export type PackageJsonPlan =
  | { readonly kind: 'write'; readonly text: string; readonly changes: readonly string[] }
  | { readonly kind: 'conflict'; readonly conflicts: readonly string[] };

type Manifest = Record<string, unknown>;

/** Plans package.json from its current text (`undefined`: there is none). */
export function planPackageJson(existing: string | undefined, ctx: PackageJsonContext): PackageJsonPlan {
  if (existing === undefined) return { kind: 'write', text: stringify(newManifest(ctx)), changes: ['created'] };
  let manifest: unknown;
  try {
    manifest = JSON.parse(existing);
  } catch (e) {
    return { kind: 'conflict', conflicts: [`package.json is not valid JSON (${e instanceof Error ? e.message : String(e)})`] };
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    return { kind: 'conflict', conflicts: ['package.json is not a JSON object'] };
  }
  return complete(manifest as Manifest, ctx);
}

function newManifest(ctx: PackageJsonContext): Manifest {
  return {
    name: packageName(ctx.directoryName),
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: { ...SCRIPTS },
    dependencies: weirDependencies(ctx),
    devDependencies: devDependencies(ctx),
    allowScripts: { ...ALLOWED_SCRIPTS },
  };
}

function complete(manifest: Manifest, ctx: PackageJsonContext): PackageJsonPlan {
  const conflicts: string[] = [];
  const changes: string[] = [];
  if (manifest.type !== 'module') {
    if (manifest.type !== undefined && manifest.type !== 'commonjs') conflicts.push(`package.json has "type": ${JSON.stringify(manifest.type)}`);
    else changes.push(`"type": "module"${manifest.type === 'commonjs' ? ' (was "commonjs")' : ''}`);
  }
  const scripts = record(manifest, 'scripts', conflicts);
  const added: string[] = [];
  for (const [name, command] of Object.entries(SCRIPTS)) {
    const current = scripts?.[name];
    if (current === command) continue;
    if (current === undefined || (name === 'test' && current === NPM_PLACEHOLDER_TEST)) added.push(name);
    else conflicts.push(`package.json has a script '${name}' (${JSON.stringify(current)}; weir init would write ${JSON.stringify(command)})`);
  }
  if (added.length > 0) changes.push(`scripts ${added.join(', ')}`);
  const dependencies = record(manifest, 'dependencies', conflicts);
  const devDeps = record(manifest, 'devDependencies', conflicts);
  const allow = record(manifest, 'allowScripts', conflicts);
  if (conflicts.length > 0) return { kind: 'conflict', conflicts };

  const has = (name: string): boolean => dependencies?.[name] !== undefined || devDeps?.[name] !== undefined;
  const missingDeps = Object.entries(weirDependencies(ctx)).filter(([name]) => !has(name));
  const missingDevDeps = Object.entries(devDependencies(ctx)).filter(([name]) => !has(name));
  const missingAllow = Object.entries(ALLOWED_SCRIPTS).filter(([name]) => allow?.[name] === undefined);
  if (missingDeps.length > 0) changes.push(`dependencies ${missingDeps.map(([n]) => n).join(', ')}`);
  if (missingDevDeps.length > 0) changes.push(`devDependencies ${missingDevDeps.map(([n]) => n).join(', ')}`);
  if (missingAllow.length > 0) changes.push(`allowScripts ${missingAllow.map(([n]) => n).join(', ')}`);

  const next: Manifest = { ...manifest, type: 'module' };
  next.scripts = { ...scripts, ...Object.fromEntries(added.map((name) => [name, SCRIPTS[name]])) };
  if (missingDeps.length > 0) next.dependencies = { ...dependencies, ...Object.fromEntries(missingDeps) };
  if (missingDevDeps.length > 0) next.devDependencies = { ...devDeps, ...Object.fromEntries(missingDevDeps) };
  if (missingAllow.length > 0) next.allowScripts = { ...allow, ...Object.fromEntries(missingAllow) };
  return { kind: 'write', text: stringify(next), changes };
}

/** A field that must be an object of strings or booleans when present. */
function record(manifest: Manifest, field: string, conflicts: string[]): Record<string, unknown> | undefined {
  const value = manifest[field];
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  conflicts.push(`package.json field "${field}" is not an object`);
  return undefined;
}

function weirDependencies(ctx: PackageJsonContext): Record<string, string> {
  return { '@weir/cli': `^${ctx.weirVersion}`, '@weir/core': `^${ctx.weirVersion}` };
}

function devDependencies(ctx: PackageJsonContext): Record<string, string> {
  return { '@types/node': `^${ctx.nodeMajor}.0.0`, ...DEV_TOOLS };
}

/** A directory name made a valid npm package name: lower case, URL-safe, `weir-project` if nothing is left. */
export function packageName(directoryName: string): string {
  const name = directoryName
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 214);
  return name === '' ? 'weir-project' : name;
}

function stringify(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

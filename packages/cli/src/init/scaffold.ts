import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { planPackageJson, type PackageJsonContext } from './package-json.ts';
import { TEMPLATE_FILES } from './templates.ts';

/** What `weir init` did: each file written, with what changed in package.json. */
export interface ScaffoldResult {
  readonly directory: string;
  /** Paths relative to the project, in the order written. */
  readonly written: readonly string[];
  /** What was added to or changed in package.json (`['created']` for a new one). */
  readonly packageJsonChanges: readonly string[];
}

/** `weir init` found files or settings it would have to overwrite: nothing was written. */
export class ScaffoldConflictError extends Error {
  override readonly name = 'ScaffoldConflictError';
  constructor(readonly conflicts: readonly string[]) {
    super(`nothing written: ${conflicts.join('; ')}`);
  }
}

/**
 * Writes a Weir project into `directory` (created if missing): the template files, and
 * package.json created or completed. Every conflict is found before anything is written: an
 * existing template file, or a package.json setting in the way (see `planPackageJson`).
 */
export async function scaffold(directory: string, ctx: Omit<PackageJsonContext, 'directoryName'>): Promise<ScaffoldResult> {
  const root = resolve(directory);
  const existing = (await Promise.all(TEMPLATE_FILES.map(async ([path]) => ((await exists(join(root, path))) ? path : undefined)))).filter(
    (p): p is string => p !== undefined,
  );
  const manifestText = await readFile(join(root, 'package.json'), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  const plan = planPackageJson(manifestText, { ...ctx, directoryName: basename(root) });
  const conflicts = [...existing.map((p) => `${p} exists`), ...(plan.kind === 'conflict' ? plan.conflicts : [])];
  if (plan.kind === 'conflict' || conflicts.length > 0) throw new ScaffoldConflictError(conflicts);

  const written: string[] = [];
  for (const [path, text] of TEMPLATE_FILES) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    // 'wx': a file that appeared since the check above is not overwritten either.
    await writeFile(join(root, path), text, { flag: 'wx' });
    written.push(path);
  }
  if (plan.changes.length === 0) return { directory: root, written, packageJsonChanges: [] };
  await writeFile(join(root, 'package.json'), plan.text);
  return { directory: root, written: ['package.json', ...written], packageJsonChanges: plan.changes };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

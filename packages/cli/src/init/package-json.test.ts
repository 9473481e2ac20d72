import { describe, expect, it } from 'vitest';
import { DEV_TOOLS, SCRIPTS, packageName, planPackageJson, type PackageJsonPlan } from './package-json.ts';

const ctx = { directoryName: 'My Pipeline', weirVersion: '0.3.1', nodeMajor: 22 };

/** What `npm init -y` writes (npm 11), with the tarballs of the README's install step added. */
const NPM_INIT = {
  name: 'my-pipeline',
  version: '1.0.0',
  main: 'index.js',
  scripts: { test: 'echo "Error: no test specified" && exit 1' },
  license: 'ISC',
  type: 'commonjs',
  dependencies: { '@weir/cli': 'file:../weir-cli-0.3.1.tgz', '@weir/core': 'file:../weir-core-0.3.1.tgz' },
};

function written(plan: PackageJsonPlan): { manifest: Record<string, unknown>; changes: readonly string[] } {
  if (plan.kind !== 'write') throw new Error(`expected a write, got conflicts: ${plan.conflicts.join('; ')}`);
  return { manifest: JSON.parse(plan.text) as Record<string, unknown>, changes: plan.changes };
}

describe('planPackageJson', () => {
  it('creates an ES module project with the scripts, @weir dependencies at its own version and the tools', () => {
    const { manifest, changes } = written(planPackageJson(undefined, ctx));
    expect(changes).toEqual(['created']);
    expect(manifest).toMatchObject({
      name: 'my-pipeline',
      private: true,
      type: 'module',
      scripts: SCRIPTS,
      dependencies: { '@weir/cli': '^0.3.1', '@weir/core': '^0.3.1' },
      devDependencies: { '@types/node': '^22.0.0', ...DEV_TOOLS },
    });
  });

  it("completes npm init -y's manifest, replacing only its placeholders and keeping the installed tarballs", () => {
    const { manifest, changes } = written(planPackageJson(JSON.stringify(NPM_INIT), ctx));
    expect(manifest.type).toBe('module');
    expect(manifest.scripts).toEqual(SCRIPTS);
    expect(manifest.dependencies).toEqual(NPM_INIT.dependencies);
    expect(manifest.devDependencies).toEqual({ '@types/node': '^22.0.0', ...DEV_TOOLS });
    expect(manifest.license).toBe('ISC');
    expect(changes).toEqual([
      '"type": "module" (was "commonjs")',
      'scripts start, test, typecheck',
      'devDependencies @types/node, typescript, vitest',
      'allowScripts esbuild, msgpackr-extract',
    ]);
  });

  it("keeps the user's own versions of the tools and changes nothing that is already as it should be", () => {
    const complete = written(planPackageJson(undefined, ctx)).manifest;
    const tuned = { ...complete, devDependencies: { typescript: '^5.4.0', vitest: '^3.0.0', '@types/node': '^20.0.0' } };
    const plan = written(planPackageJson(JSON.stringify(tuned), ctx));
    expect(plan.changes).toEqual([]);
    expect(plan.manifest.devDependencies).toEqual(tuned.devDependencies);
  });

  it('refuses to replace a script of its own name, or a "type" other than commonjs, naming each', () => {
    const plan = planPackageJson(JSON.stringify({ type: 'mystery', scripts: { test: 'jest', start: 'node index.js', typecheck: SCRIPTS.typecheck } }), ctx);
    expect(plan.kind).toBe('conflict');
    expect(plan.kind === 'conflict' && plan.conflicts).toEqual([
      'package.json has "type": "mystery"',
      `package.json has a script 'start' ("node index.js"; weir init would write ${JSON.stringify(SCRIPTS.start)})`,
      `package.json has a script 'test' ("jest"; weir init would write ${JSON.stringify(SCRIPTS.test)})`,
    ]);
  });

  it('refuses a package.json that is not a JSON object', () => {
    expect(planPackageJson('{ "name": ', ctx)).toMatchObject({ kind: 'conflict', conflicts: [expect.stringMatching(/^package.json is not valid JSON/)] });
    expect(planPackageJson('[]', ctx)).toEqual({ kind: 'conflict', conflicts: ['package.json is not a JSON object'] });
    expect(planPackageJson('{ "scripts": "npm test" }', ctx)).toEqual({ kind: 'conflict', conflicts: ['package.json field "scripts" is not an object'] });
  });
});

describe('packageName', () => {
  it('makes a directory name a valid npm package name', () => {
    expect(packageName('My Pipeline')).toBe('my-pipeline');
    expect(packageName('.hidden_dir')).toBe('hidden_dir');
    expect(packageName('weir')).toBe('weir');
    expect(packageName('***')).toBe('weir-project');
  });
});

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * The dashboard's files: plain HTML, CSS and JavaScript in `static/` beside this module, served as
 * they are (no bundler, no build step, nothing fetched from elsewhere). From the built package
 * (`dist/dashboard/`), they are read from the package's `src/dashboard/static/`, which ships with it.
 */
const FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/format.js': { file: 'format.js', type: 'text/javascript; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/** Headers of every dashboard file: no framing (clickjacking), nothing but this origin, no caching. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** Where the files are: `src/dashboard/static/`, found from the sources or from `dist/`. */
export function dashboardDirectory(): string {
  const candidates = [new URL('./static/', import.meta.url), new URL('../../src/dashboard/static/', import.meta.url)];
  const found = candidates.find((dir) => existsSync(new URL('index.html', dir)));
  if (found === undefined) throw new Error(`the dashboard's files are missing (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`);
  return fileURLToPath(found);
}

export interface DashboardFile {
  readonly body: Buffer;
  readonly type: string;
}

/** Reads each dashboard file once. */
export class DashboardAssets {
  readonly #cache = new Map<string, Promise<DashboardFile>>();
  #dir: string | undefined;

  /** Whether `path` is one of the dashboard's files. */
  has(path: string): boolean {
    return Object.hasOwn(FILES, path);
  }

  get(path: string): Promise<DashboardFile> {
    const entry = FILES[path];
    if (entry === undefined) return Promise.reject(new Error(`no dashboard file ${path}`));
    let file = this.#cache.get(path);
    if (file === undefined) {
      this.#dir ??= dashboardDirectory();
      file = readFile(`${this.#dir}${entry.file}`).then((body) => ({ body, type: entry.type }));
      file.catch(() => this.#cache.delete(path));
      this.#cache.set(path, file);
    }
    return file;
  }
}

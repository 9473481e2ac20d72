import { CliError } from '../errors.ts';
import type { ControlInfo } from './control-file.ts';

/** Calls the control endpoint of a running job (found through its control file). */
export class ControlClient {
  readonly baseUrl: string;

  constructor(
    readonly info: ControlInfo,
    readonly token: string | undefined,
  ) {
    const host = info.host === '0.0.0.0' || info.host === '::' ? '127.0.0.1' : info.host;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`;
  }

  get<T>(path: string): Promise<T> {
    return this.#request<T>('GET', path, undefined);
  }

  post<T>(path: string, body: Record<string, unknown>): Promise<T> {
    return this.#request<T>('POST', path, body);
  }

  async #request<T>(method: string, path: string, body: Record<string, unknown> | undefined): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new CliError(`cannot reach job '${this.info.jobName}' at ${this.baseUrl} (pid ${this.info.pid}): ${cause}`, 1);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CliError(`${method} ${path} answered ${res.status} with something other than JSON`, 1);
    }
    if (!res.ok) {
      const error = (json as { error?: unknown }).error;
      const hint = res.status === 401 && this.token === undefined ? ' (pass --token or set WEIR_TOKEN)' : '';
      throw new CliError(`${method} ${path} failed (${res.status}): ${typeof error === 'string' ? error : text}${hint}`, 1);
    }
    return json as T;
  }
}

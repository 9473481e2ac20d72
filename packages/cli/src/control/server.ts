import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobClient } from '@weir/core';
import { DASHBOARD_HEADERS, DashboardAssets } from '../dashboard/assets.ts';
import { PrometheusMetrics } from '../metrics/prometheus.ts';
import { hasToken, refusesBrowserRequest, refusesCrossSiteRequest } from './auth.ts';
import { HttpError, readJsonBody, sendJson } from './http-json.ts';
import { ROUTES, matchRoute } from './routes.ts';

export interface ControlServerOptions {
  readonly host: string;
  /** 0 for an ephemeral port. */
  readonly port: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
}

/** What every request of one server shares. */
interface Served {
  readonly client: () => JobClient | undefined;
  readonly token: string | undefined;
  readonly metrics: PrometheusMetrics;
  readonly dashboard: DashboardAssets;
}

/**
 * The control endpoint of one running job: the JSON API (`routes.ts`), the Prometheus metrics
 * (`GET /metrics`) and the dashboard (`GET /`), all under the same rules (`auth.ts`).
 */
export class ControlServer {
  readonly #server: Server;

  private constructor(
    server: Server,
    readonly host: string,
    readonly port: number,
  ) {
    this.#server = server;
  }

  /**
   * Listens on `host:port`; rejects when the address cannot be bound. Requests get 503 until
   * `client()` returns the job.
   */
  static async start(client: () => JobClient | undefined, options: ControlServerOptions): Promise<ControlServer> {
    const served: Served = { client, token: options.token, metrics: new PrometheusMetrics(), dashboard: new DashboardAssets() };
    const server = createServer((req, res) => {
      handle(served, req, res).catch((e: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    return new ControlServer(server, options.host, port);
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** The dashboard's address (the page itself is `/`). */
  get dashboardUrl(): string {
    return `${this.url}/`;
  }

  /** Where Prometheus scrapes. */
  get metricsUrl(): string {
    return `${this.url}/metrics`;
  }

  /** Stops listening and closes every connection, leaving nothing to keep the process alive. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    // Give a response in flight (a cancel's answer) a moment to leave, then cut what is left.
    const cut = setTimeout(() => this.#server.closeAllConnections(), 200);
    await closed;
    clearTimeout(cut);
  }
}

/**
 * The challenge of a 401: Bearer for programs; a browser opening a page (it accepts HTML) is also
 * offered Basic, so that it asks the person for the token (as the password) and sends it from then on.
 */
function challenge(accept: string | undefined): string | string[] {
  return (accept ?? '').includes('text/html') ? ['Bearer', 'Basic realm="weir", charset="UTF-8"'] : 'Bearer';
}

async function handle(served: Served, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const { host, origin } = req.headers;
  const contentType = req.headers['content-type'];
  if (served.token !== undefined) {
    if (!hasToken(req.headers.authorization, served.token)) {
      return sendJson(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': challenge(req.headers.accept) });
    }
    const refused = refusesCrossSiteRequest(method, host, contentType, origin);
    if (refused !== undefined) return sendJson(res, 403, { error: refused });
  } else {
    const refused = refusesBrowserRequest(method, host, contentType, origin);
    if (refused !== undefined) return sendJson(res, 403, { error: refused });
  }
  const url = new URL(req.url ?? '/', 'http://control');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const client = served.client();
  if (method === 'GET' && (served.dashboard.has(url.pathname) || path === '/metrics')) {
    if (path === '/metrics') return sendText(res, await served.metrics.render(client), served.metrics.contentType);
    const file = await served.dashboard.get(url.pathname);
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, ...DASHBOARD_HEADERS });
    return void res.end(file.body);
  }
  const onPath = ROUTES.flatMap((route) => {
    const match = matchRoute(route, path);
    return match === undefined ? [] : [{ route, id: match.id }];
  });
  if (onPath.length === 0) {
    const known = 'GET / (the dashboard), GET /metrics, GET /job, GET /job/plan, GET /checkpoints, GET /checkpoints/history[/ID], POST /savepoints, POST /cancel';
    return sendJson(res, 404, { error: `no route ${path}; try ${known}` });
  }
  const found = onPath.find((r) => r.route.method === method);
  if (found === undefined) {
    const allowed = [...new Set(onPath.map((r) => r.route.method))].join(', ');
    return sendJson(res, 405, { error: `${path} takes ${allowed}` }, { allow: allowed });
  }
  if (client === undefined) return sendJson(res, 503, { error: 'the job is starting' }, { 'retry-after': '1' });
  try {
    const body = method === 'POST' ? await readJsonBody(req) : {};
    sendJson(res, 200, await found.route.handle(client, { body, id: found.id, query: url.searchParams }));
  } catch (e) {
    if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message });
    throw e;
  }
}

function sendText(res: ServerResponse, text: string, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** True for addresses only this machine can reach: `127.0.0.0/8`, `::1`, `localhost`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * Whether a request's `Authorization` header carries the bearer token. Compares digests in
 * constant time, so the comparison reveals neither the token nor its length.
 */
export function hasBearerToken(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (m === null) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}

/**
 * Whether a request carries the token: `Authorization: Bearer TOKEN` (the CLI, curl, Prometheus),
 * or HTTP Basic with the token as password and any user name (what a browser sends once the
 * person opening the dashboard typed it into the browser's own prompt). Constant-time, as
 * {@link hasBearerToken}.
 */
export function hasToken(header: string | undefined, token: string): boolean {
  if (hasBearerToken(header, token)) return true;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (m === null) return false;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && hasBearerToken(`Bearer ${decoded.slice(colon + 1)}`, token);
}

/**
 * Requests a web page of another site could make the browser send, refused whether or not a
 * token is required (a browser attaches Basic credentials it knows to them): a POST whose body is
 * not `application/json` (cross-site, only possible after a CORS preflight, which this server
 * never grants), and a POST whose `Origin` is not this server.
 */
export function refusesCrossSiteRequest(
  method: string,
  hostHeader: string | undefined,
  contentType: string | undefined,
  origin: string | undefined,
): string | undefined {
  if (method !== 'POST') return undefined;
  if (!(contentType ?? '').toLowerCase().startsWith('application/json')) return 'POST bodies must be application/json';
  if (origin !== undefined && !isSameOrigin(origin, hostHeader)) return `POST from another origin (${origin}) refused`;
  return undefined;
}

/**
 * Without a token, the endpoint trusts whoever can connect to loopback, so it also refuses
 * requests a web page could make: a `Host` that is not loopback (DNS rebinding), and the
 * cross-site requests of {@link refusesCrossSiteRequest}. The dashboard, served by the endpoint
 * itself, is same-origin and passes.
 */
export function refusesBrowserRequest(
  method: string,
  hostHeader: string | undefined,
  contentType: string | undefined,
  origin?: string,
): string | undefined {
  const host = (hostHeader ?? '').replace(/:\d+$/, '');
  if (!isLoopback(host)) return `Host '${hostHeader ?? ''}' is not a loopback address`;
  return refusesCrossSiteRequest(method, hostHeader, contentType, origin);
}

function isSameOrigin(origin: string, hostHeader: string | undefined): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && hostHeader !== undefined && url.host === new URL(`http://${hostHeader}`).host;
  } catch {
    return false; // 'null' (a sandboxed frame, a file) or garbage
  }
}

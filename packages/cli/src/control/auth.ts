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
 * Without a token, the endpoint trusts whoever can connect to loopback, so it also refuses
 * requests a web page could make: a `Host` that is not loopback (DNS rebinding), and a POST whose
 * body is not `application/json` (browsers send those cross-origin only after a CORS preflight,
 * which this server never grants).
 */
export function refusesBrowserRequest(method: string, hostHeader: string | undefined, contentType: string | undefined): string | undefined {
  const host = (hostHeader ?? '').replace(/:\d+$/, '');
  if (!isLoopback(host)) return `Host '${hostHeader ?? ''}' is not a loopback address`;
  if (method === 'POST' && !(contentType ?? '').toLowerCase().startsWith('application/json')) {
    return 'POST bodies must be application/json';
  }
  return undefined;
}

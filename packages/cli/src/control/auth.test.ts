import { describe, expect, it } from 'vitest';
import { hasBearerToken, hasToken, isLoopback, refusesBrowserRequest, refusesCrossSiteRequest } from './auth.ts';

describe('control endpoint auth', () => {
  it('treats only loopback addresses as loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '128.0.0.1']) expect(isLoopback(h), h).toBe(false);
  });

  it('accepts exactly the bearer token', () => {
    expect(hasBearerToken('Bearer s3cret', 's3cret')).toBe(true);
    expect(hasBearerToken('bearer s3cret', 's3cret')).toBe(true);
    expect(hasBearerToken('Bearer s3cre', 's3cret')).toBe(false);
    expect(hasBearerToken('s3cret', 's3cret')).toBe(false);
    expect(hasBearerToken(undefined, 's3cret')).toBe(false);
  });

  it('refuses requests a web page could send to loopback', () => {
    expect(refusesBrowserRequest('GET', '127.0.0.1:4000', undefined)).toBeUndefined();
    expect(refusesBrowserRequest('POST', 'localhost:4000', 'application/json')).toBeUndefined();
    expect(refusesBrowserRequest('GET', 'evil.example:4000', undefined)).toMatch(/not a loopback/);
    expect(refusesBrowserRequest('POST', '127.0.0.1:4000', 'text/plain')).toMatch(/application\/json/);
  });

  it('accepts the token as a bearer token or as the password of HTTP Basic, whatever the user name', () => {
    const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`;
    expect(hasToken('Bearer s3cret', 's3cret')).toBe(true);
    expect(hasToken(basic('weir:s3cret'), 's3cret')).toBe(true);
    expect(hasToken(basic(':s3cret'), 's3cret')).toBe(true);
    expect(hasToken(basic('s3cret:'), 's3cret')).toBe(false);
    expect(hasToken(basic('weir:s3cre'), 's3cret')).toBe(false);
    expect(hasToken('Basic !!!', 's3cret')).toBe(false);
  });

  it('refuses POSTs from another origin, and POSTs that are not JSON, with or without a token', () => {
    expect(refusesCrossSiteRequest('POST', '10.0.0.5:4000', 'application/json', 'http://10.0.0.5:4000')).toBeUndefined();
    expect(refusesCrossSiteRequest('POST', '10.0.0.5:4000', 'application/json', undefined)).toBeUndefined();
    expect(refusesCrossSiteRequest('POST', '10.0.0.5:4000', 'application/json', 'https://evil.example')).toMatch(/another origin/);
    expect(refusesCrossSiteRequest('POST', '10.0.0.5:4000', 'application/json', 'null')).toMatch(/another origin/);
    expect(refusesCrossSiteRequest('POST', '10.0.0.5:4000', 'text/plain', undefined)).toMatch(/application\/json/);
    expect(refusesCrossSiteRequest('GET', '10.0.0.5:4000', undefined, 'https://evil.example')).toBeUndefined();
    expect(refusesBrowserRequest('POST', '127.0.0.1:4000', 'application/json', 'http://127.0.0.1:4000')).toBeUndefined();
    expect(refusesBrowserRequest('POST', '127.0.0.1:4000', 'application/json', 'http://localhost:4000')).toMatch(/another origin/);
  });
});

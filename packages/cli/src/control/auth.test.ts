import { describe, expect, it } from 'vitest';
import { hasBearerToken, isLoopback, refusesBrowserRequest } from './auth.ts';

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
});

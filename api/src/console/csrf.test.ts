import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCsrf } from './csrf.ts';

const API = 'http://console.example:4000/graphql';
const request = (method: string, headers: Record<string, string>) =>
  new Request(API, { method, headers });
const COOKIE = { cookie: 'zajoni_session=zjs_abc' };

describe('checkCsrf', () => {
  it('lets through requests that do not use the cookie', () => {
    assert.equal(checkCsrf(request('POST', {})), undefined);
    const bearer = { ...COOKIE, authorization: 'Bearer zjt_x', origin: 'http://evil.example' };
    assert.equal(checkCsrf(request('POST', bearer)), undefined);
  });

  it('refuses a cookie POST without the console header', () => {
    assert.equal(checkCsrf(request('POST', COOKIE)), 'missing-console-header');
  });

  it('refuses a cookie request from another origin or site, even with the header', () => {
    const header = { ...COOKIE, 'x-zajoni-console': '1' };
    const origin = { ...header, origin: 'http://console.example:4001' };
    const site = { ...header, 'sec-fetch-site': 'same-site' };
    assert.equal(checkCsrf(request('POST', origin)), 'cross-origin');
    assert.equal(checkCsrf(request('POST', site)), 'cross-origin');
    assert.equal(
      checkCsrf(request('GET', { ...COOKIE, 'sec-fetch-site': 'cross-site' })),
      'cross-origin',
    );
  });

  it('accepts the console: same origin with the header, or a same-origin GET', () => {
    const own = { ...COOKIE, 'x-zajoni-console': '1', origin: 'http://console.example:4000' };
    assert.equal(checkCsrf(request('POST', own)), undefined);
    const stream = { ...COOKIE, 'sec-fetch-site': 'same-origin' };
    assert.equal(checkCsrf(request('GET', stream)), undefined);
  });
});

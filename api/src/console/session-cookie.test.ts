import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCookie, sessionCookie, withCookieCredentials } from './session-cookie.ts';

describe('session cookie', () => {
  it('is HttpOnly and SameSite=Strict, Secure only over HTTPS', () => {
    const plain = sessionCookie('zjs_a', 60, false);
    assert.equal(plain, 'zajoni_session=zjs_a; Path=/; Max-Age=60; HttpOnly; SameSite=Strict');
    assert.match(sessionCookie('zjs_a', 60, true), /; Secure$/);
    assert.match(sessionCookie('', 0, false), /^zajoni_session=; Path=\/; Max-Age=0;/);
  });

  it('reads one cookie among others', () => {
    assert.equal(readCookie('a=1; zajoni_session=zjs_b ; c=3', 'zajoni_session'), 'zjs_b');
    assert.equal(readCookie('xzajoni_session=zjs_b', 'zajoni_session'), undefined);
    assert.equal(readCookie(null, 'zajoni_session'), undefined);
  });

  it('turns the cookie into a Bearer token unless Authorization is sent', () => {
    const url = 'http://h/graphql';
    const cookie = new Request(url, { headers: { cookie: 'zajoni_session=zjs_c' } });
    assert.equal(withCookieCredentials(cookie).headers.get('authorization'), 'Bearer zjs_c');
    const both = new Request(url, {
      headers: { cookie: 'zajoni_session=zjs_c', authorization: 'Bearer zjt_d' },
    });
    assert.equal(withCookieCredentials(both).headers.get('authorization'), 'Bearer zjt_d');
  });
});

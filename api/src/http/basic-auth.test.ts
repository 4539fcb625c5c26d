import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBasicAuth } from './basic-auth.ts';

const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

describe('parseBasicAuth', () => {
  it('splits at the first colon so passwords may contain colons', () => {
    assert.deepEqual(parseBasicAuth(basic('alice@example.com:pa:ss')), {
      username: 'alice@example.com',
      password: 'pa:ss',
    });
  });

  it('decodes UTF-8', () => {
    assert.deepEqual(parseBasicAuth(basic('jörg@example.de:pässwört')), {
      username: 'jörg@example.de',
      password: 'pässwört',
    });
  });

  it('accepts the scheme in any case', () => {
    assert.equal(parseBasicAuth(basic('a@b.c:p').replace('Basic', 'basic'))?.password, 'p');
  });

  for (const [name, header] of [
    ['no header', null],
    ['a bearer token', 'Bearer abc.def'],
    ['no colon', basic('alice@example.com')],
    ['broken base64', 'Basic !!!'],
  ] as const) {
    it(`returns undefined for ${name}`, () => {
      assert.equal(parseBasicAuth(header), undefined);
    });
  }
});

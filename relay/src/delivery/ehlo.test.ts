import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReply } from '../transcript/index.ts';
import { parseEhlo } from './ehlo.ts';

describe('parseEhlo', () => {
  it('reads the keywords after the greeting line, upper-cased, and the SIZE limit', () => {
    const reply = parseReply([
      '250-mx.test Hello',
      '250-PIPELINING',
      '250-size 10240000',
      '250-smtputf8',
      '250 STARTTLS',
    ]);
    const capabilities = parseEhlo(reply);
    assert.deepEqual([...capabilities.keywords], ['PIPELINING', 'SIZE', 'SMTPUTF8', 'STARTTLS']);
    assert.equal(capabilities.sizeLimit, 10_240_000);
  });

  it('does not take the server name on the first line for a keyword', () => {
    assert.equal(parseEhlo(parseReply(['250 SMTPUTF8.example.net'])).keywords.size, 0);
  });

  it('reads SIZE 0 or without a value as no limit (RFC 1870 section 4)', () => {
    assert.equal(parseEhlo(parseReply(['250-mx', '250 SIZE 0'])).sizeLimit, null);
    assert.equal(parseEhlo(parseReply(['250-mx', '250 SIZE'])).sizeLimit, null);
  });

  it('offers nothing for a refused EHLO or no reply', () => {
    assert.equal(parseEhlo(parseReply(['502 5.5.2 no'])).keywords.size, 0);
    assert.equal(parseEhlo(null).keywords.size, 0);
  });
});

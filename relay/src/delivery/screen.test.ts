import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsSmtpUtf8, screenRecipients } from './screen.ts';

const plain = { keywords: new Set(['PIPELINING']), sizeLimit: null };
const server = 'mx.test [192.0.2.1]';

describe('screenRecipients', () => {
  it('refuses UTF-8 recipients with 5.6.7 when SMTPUTF8 is not offered, keeps the others', () => {
    const result = screenRecipients({
      sender: 'a@example.org',
      recipients: ['ü@example.net', 'b@example.net'],
      size: 10,
      capabilities: plain,
      server,
    });
    assert.deepEqual(result.send, ['b@example.net']);
    assert.deepEqual(
      result.refused.map((r) => [r.address, r.status, r.reason?.slice(0, 6)]),
      [['ü@example.net', 'bounced', '5.6.7 ']],
    );
  });

  it('sends UTF-8 recipients when SMTPUTF8 is offered', () => {
    const capabilities = { keywords: new Set(['SMTPUTF8']), sizeLimit: null };
    const result = screenRecipients({
      sender: 'ä@example.org',
      recipients: ['ü@example.net'],
      size: 10,
      capabilities,
      server,
    });
    assert.deepEqual([result.send, result.refused], [['ü@example.net'], []]);
  });

  it('refuses everyone with 5.3.4 when the message is over the SIZE limit (RFC 1870)', () => {
    const capabilities = { keywords: new Set(['SIZE', 'SMTPUTF8']), sizeLimit: 100 };
    const result = screenRecipients({
      sender: 'a@example.org',
      recipients: ['b@example.net'],
      size: 101,
      capabilities,
      server,
    });
    assert.deepEqual(result.send, []);
    assert.match(
      result.refused[0]?.reason ?? '',
      /^5\.3\.4 message of 101 octets exceeds the 100-octet limit of mx\.test/,
    );
  });
});

describe('needsSmtpUtf8', () => {
  it('is true exactly for addresses with a non-ASCII character', () => {
    assert.equal(needsSmtpUtf8('bob@example.net'), false);
    assert.equal(needsSmtpUtf8('bob@bücher.example'), true);
    assert.equal(needsSmtpUtf8('\x7f@example.net'), false);
  });
});

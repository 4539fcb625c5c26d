import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReply, parseReplyText, replyClass, replyOneLine, replyTextLines } from './reply.ts';

describe('parseReply', () => {
  it('keeps a multi-line reply whole, with the code and enhanced code of its first line', () => {
    const lines = [
      '550-5.1.1 The email account that you tried to reach',
      '550-5.1.1 does not',
      '550 5.1.1 exist.',
    ];
    const reply = parseReplyText(lines.join('\n'));
    assert.deepEqual(reply, { code: 550, enhanced: '5.1.1', lines });
  });

  it('parses a reply without an enhanced code', () => {
    assert.deepEqual(parseReply(['220 mx.example.net ESMTP Postfix']), {
      code: 220,
      enhanced: null,
      lines: ['220 mx.example.net ESMTP Postfix'],
    });
  });

  it('accepts a bare code as the whole line', () => {
    assert.deepEqual(parseReply(['250']), { code: 250, enhanced: null, lines: ['250'] });
  });

  it('ignores an enhanced code whose class disagrees with the reply code (RFC 2034 section 4)', () => {
    assert.equal(parseReply(['550 2.0.0 odd'])?.enhanced, null);
    assert.equal(parseReply(['451 4.7.1 Try again later'])?.enhanced, '4.7.1');
  });

  it('does not take a number inside the text for an enhanced code', () => {
    assert.equal(parseReply(['250 2.0.0.1 not a code'])?.enhanced, null);
  });

  it('returns null for lines that are not a reply', () => {
    assert.equal(parseReply([]), null);
    assert.equal(parseReply(['hello']), null);
    assert.equal(parseReply(['150 informational']), null);
    assert.equal(parseReply(['2500 too long']), null);
  });

  it('keeps a bare CR inside a line exactly as received', () => {
    assert.deepEqual(parseReplyText('250 ok\rInjected: x')?.lines, ['250 ok\rInjected: x']);
  });
});

describe('reply helpers', () => {
  const reply = { code: 451, enhanced: '4.3.0', lines: ['451-4.3.0 first', '451 4.3.0 second'] };

  it('gives the class of a reply', () => {
    assert.equal(replyClass(reply), 4);
  });

  it('puts the lines on one line for a DSN diagnostic code', () => {
    assert.equal(replyOneLine(reply), '451-4.3.0 first 451 4.3.0 second');
  });

  it('strips code, separator and enhanced code from each line', () => {
    assert.deepEqual(replyTextLines(reply), ['first', 'second']);
  });
});

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createStepRecorder } from '../transcript/index.ts';
import { createTrafficLogger } from './traffic-log.ts';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

describe('createTrafficLogger', () => {
  it('feeds nodemailer transaction log entries into the recorder, in order', () => {
    const recorder = createStepRecorder();
    const { log } = capture();
    let before = 0;
    const logger = createTrafficLogger({ recorder, beforeCommand: () => void before++, log });
    recorder.connecting('192.0.2.1:25');
    logger.info(
      {
        tnx: 'network',
        remoteAddress: '192.0.2.1',
        remotePort: 25,
        localAddress: '10.0.0.1',
        localPort: 4000,
      },
      '%s established to %s:%s',
      'Connection',
      '192.0.2.1',
      25,
    );
    logger.debug({ tnx: 'server' }, '220-mx.test\n220 ready');
    logger.debug({ tnx: 'client' }, 'EHLO relay.test');
    logger.debug({ tnx: 'server' }, '250 mx.test');
    const steps = recorder.finish();
    assert.deepEqual(
      steps.map((s) => [s.kind, s.command, s.reply?.lines ?? null, s.note]),
      [
        ['connect', null, null, 'connected to 192.0.2.1:25 from 10.0.0.1:4000'],
        ['banner', null, ['220-mx.test', '220 ready'], null],
        ['ehlo', 'EHLO relay.test', ['250 mx.test'], null],
      ],
    );
    assert.equal(before, 1);
  });

  it('drops message content that nodemailer logs in debug mode, from the recorder and the log', () => {
    const recorder = createStepRecorder();
    const { log, lines } = capture();
    const logger = createTrafficLogger({ recorder, beforeCommand: () => undefined, log });
    logger.debug({ tnx: 'client' }, 'DATA');
    logger.debug({ tnx: 'server' }, '354 go ahead');
    logger.debug({ tnx: 'message' }, 'Subject: secret plans\r\n\r\nthe body');
    logger.info(
      { tnx: 'message', inByteCount: 30, outByteCount: 33 },
      '<%s bytes encoded mime message (source size %s bytes)>',
      33,
      30,
    );
    logger.debug({ tnx: 'server' }, '250 2.0.0 Ok: queued as X1Y2Z3W4V5');
    const steps = recorder.finish();
    assert.deepEqual(
      steps.map((s) => [s.kind, s.command, s.reply?.code]),
      [
        ['data', 'DATA', 354],
        ['message', '<message: 33 octets>', 250],
      ],
    );
    assert.equal(JSON.stringify(steps).includes('secret plans'), false);
    assert.equal(lines.join('').includes('secret plans'), false);
  });

  it('never writes SASL data or an AUTH initial response to the log', () => {
    const recorder = createStepRecorder();
    const { log, lines } = capture();
    const logger = createTrafficLogger({ recorder, beforeCommand: () => undefined, log });
    logger.debug({ tnx: 'client' }, 'AUTH PLAIN AGFsaWNlAHNlY3JldA==');
    logger.debug({ tnx: 'server' }, '334 ');
    logger.debug({ tnx: 'client' }, 'c2VjcmV0');
    const logged = lines.join('');
    assert.equal(logged.includes('AGFsaWNlAHNlY3JldA'), false);
    assert.equal(logged.includes('c2VjcmV0'), false);
    assert.deepEqual(
      recorder.finish().map((s) => s.command),
      ['AUTH PLAIN ****', '****'],
    );
  });
});

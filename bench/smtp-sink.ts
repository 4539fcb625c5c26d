/**
 * The benchmark's MX: a minimal SMTP server that accepts every message and discards it. For each
 * message it prints one line on stdout, when it sends the final 250:
 * `<wall-clock ms> <X-Bench-Id or -> <octets>`. Both systems deliver to this same sink.
 *
 * Usage: node --import tsx bench/smtp-sink.ts PORT
 */
import { createServer, type Socket } from 'node:net';
import { nowMs } from './stats.ts';

const END_OF_DATA = Buffer.from('\r\n.\r\n');
const HEAD_BYTES = 8192;
const EHLO_REPLY = [
  '250-sink.bench.test',
  '250-PIPELINING',
  '250-8BITMIME',
  '250-SIZE 104857600',
  '250 ENHANCEDSTATUSCODES',
].join('\r\n');

let accepted = 0;
const out: string[] = [];
const flush = () => {
  if (out.length > 0) process.stdout.write(out.splice(0).join(''));
};
setInterval(flush, 50).unref();

function serve(socket: Socket): void {
  let pending: Buffer = Buffer.alloc(0);
  let inData = false;
  let tail: Buffer = Buffer.alloc(0);
  let head: Buffer[] = [];
  let headBytes = 0;
  let dataBytes = 0;
  const reply = (line: string) => socket.write(`${line}\r\n`);

  const finishMessage = () => {
    accepted += 1;
    const header = Buffer.concat(head).toString('latin1');
    const headerEnd = header.indexOf('\r\n\r\n');
    const id = /^X-Bench-Id: *(\S+)/im.exec(
      header.slice(0, headerEnd === -1 ? undefined : headerEnd),
    );
    reply(`250 2.0.0 Ok: queued as S${accepted}`);
    out.push(`${nowMs().toFixed(3)} ${id?.[1] ?? '-'} ${dataBytes}\n`);
  };

  const onData = (chunk: Buffer): Buffer | undefined => {
    // The terminator may straddle chunks: search the last 4 bytes of the previous one too.
    const window = Buffer.concat([tail, chunk]);
    const at = window.indexOf(END_OF_DATA);
    if (at === -1) {
      keep(chunk);
      tail = window.subarray(Math.max(0, window.length - 4));
      return undefined;
    }
    const used = at + END_OF_DATA.length - tail.length;
    keep(chunk.subarray(0, Math.max(0, used)));
    inData = false;
    finishMessage();
    return chunk.subarray(used);
  };

  const keep = (part: Buffer) => {
    dataBytes += part.length;
    if (headBytes < HEAD_BYTES) {
      head.push(part.subarray(0, HEAD_BYTES - headBytes));
      headBytes += Math.min(part.length, HEAD_BYTES - headBytes);
    }
  };

  const onCommand = (line: string): void => {
    const verb = line.slice(0, 4).toUpperCase();
    if (verb === 'EHLO') return void reply(EHLO_REPLY);
    if (verb === 'HELO') return void reply('250 sink.bench.test');
    if (verb === 'MAIL' || verb === 'RCPT' || verb === 'RSET' || verb === 'NOOP') {
      return void reply('250 2.0.0 Ok');
    }
    if (verb === 'DATA') {
      inData = true;
      // A message may be empty, so the terminator's leading CRLF is the one ending DATA.
      tail = Buffer.from('\r\n');
      head = [];
      headBytes = 0;
      dataBytes = 0;
      return void reply('354 End data with <CR><LF>.<CR><LF>');
    }
    if (verb === 'QUIT') {
      reply('221 2.0.0 Bye');
      socket.end();
      return;
    }
    reply('502 5.5.2 Error: command not recognized');
  };

  socket.on('data', (chunk: Buffer) => {
    let rest: Buffer | undefined = chunk;
    while (rest && rest.length > 0) {
      if (inData) {
        rest = onData(rest);
        continue;
      }
      pending = pending.length > 0 ? Buffer.concat([pending, rest]) : rest;
      rest = undefined;
      let eol: number;
      while (!inData && (eol = pending.indexOf('\r\n')) !== -1) {
        const line = pending.subarray(0, eol).toString('latin1');
        pending = pending.subarray(eol + 2);
        onCommand(line);
      }
      if (inData) {
        rest = pending;
        pending = Buffer.alloc(0);
      }
    }
  });
  socket.on('error', () => socket.destroy());
  reply('220 sink.bench.test ESMTP bench sink');
}

const port = Number(process.argv[2]);
const server = createServer(serve);
server.maxConnections = 10_000;
server.listen(port, '127.0.0.1', () => process.stderr.write(`sink listening on ${port}\n`));
process.on('SIGTERM', () => {
  flush();
  process.exit(0);
});

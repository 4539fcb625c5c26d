import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLogger } from '#shared';
import { createPool, registerTenant } from '../api/src/index.ts';
import { LOCAL, startLocalStack, type LocalStack } from '../scripts/stack/local.ts';
import { freePort, waitFor } from '../scripts/stack/process.ts';

// The web console in Chromium against the API serving the built console (make console), on the
// local stack: the sign-up's verification mail and the test message go through the relay to
// Postfix via dnsmasq's MX record, and the message's record comes back over the delivery-events
// stream.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ADDRESS = `erin@${LOCAL.senderDomain}`;
const PASSWORD = 'console e2e password';
/** Delivery through Postfix and ingest on a busy machine. */
const DELIVERY_TIMEOUT_MS = 90_000;
const VERIFY_SUBJECT = 'Confirm your Zajoni address';

describe('web console, end to end', () => {
  let dir: string;
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let otherOrigin: Server;
  /** The verification link as mailed, once the sign-up test has read it. */
  let verifyLink = '';
  const cspViolations: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-console-e2e-'));
    // The API's own address is the console's, so the mailed link opens this console.
    const apiPort = await freePort();
    stack = await startLocalStack({
      dir,
      apiPort,
      apiEnv: {
        CONSOLE_URL: `http://127.0.0.1:${apiPort}`,
        ACCOUNT_MAIL_FROM: `accounts@${LOCAL.relayHost}`,
      },
    });
    const pool = createPool(stack.postgres.url, createLogger('console-e2e', 'warn'));
    try {
      await registerTenant(pool, {
        id: LOCAL.tenant,
        displayName: 'Console Test Mail',
        signUp: 'open',
        confirmationsDefault: true,
        retentionDays: 30,
        senderDomains: [LOCAL.senderDomain],
      });
    } finally {
      await pool.end();
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    otherOrigin = await serveOtherOrigin(stack.api.graphqlUrl);
  });

  after(async () => {
    await browser?.close();
    otherOrigin?.close();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const url = (path: string) => `${stack.api.url}${path}`;

  it('serves the public pages with a strict CSP and the tenant name', async () => {
    const response = await page.goto(url('/'));
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    // The tenant's name arrives with consoleSettings, after the first render.
    const branded = 'Console Test Mail: mail with a delivery record';
    await page.getByRole('heading', { level: 1, name: branded }).waitFor();
    for (const [path, title] of [
      ['/faq', 'Frequently asked questions'],
      ['/about', 'About Console Test Mail'],
      ['/contact', 'Contact'],
      ['/forgot', 'Forgot your password or username?'],
    ] as const) {
      await page.goto(url(path));
      await page.getByRole('heading', { level: 1, name: title }).waitFor();
    }
    await page.goto(url('/faq'));
    for (const question of ['What does it not prove?', 'What is stored, and for how long?']) {
      await page.getByRole('heading', { level: 2, name: question }).waitFor();
    }
    // The tenant's retention, once consoleSettings has answered.
    await page.getByText(/Records are deleted after 30 days/).waitFor();
    const asset = await page.evaluate(() => document.querySelector('script')?.src ?? '');
    const cached = await fetch(asset);
    assert.match(cached.headers.get('cache-control') ?? '', /immutable/);
    assert.match(cached.headers.get('content-type') ?? '', /^text\/javascript/);
  });

  /** The verification links mailed to `address` so far, read from Postfix's Maildir. */
  async function verificationLinks(address: string): Promise<string[]> {
    const mails = await Promise.all(
      (await stack.postfix.readMailbox(address)).map((raw) => simpleParser(raw)),
    );
    return mails
      .filter((mail) => mail.subject === VERIFY_SUBJECT)
      .map((mail) => /https?:\/\/\S+\/verify\?token=\S+/.exec(mail.text ?? '')?.[0] ?? '');
  }

  it('signs up: the page says to check the mail, and nobody is signed in', async () => {
    await page.goto(url('/sign-up'));
    await page.getByLabel('Mail address').fill(ADDRESS);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Check your mail' }).waitFor();
    const status = await page.getByRole('status').textContent();
    assert.match(status ?? '', new RegExp(`sent a mail to ${ADDRESS} with a link`));
    await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
    const cookies = await page.context().cookies();
    assert.equal(
      cookies.find((c) => c.name === 'zajoni_session'),
      undefined,
    );
  });

  it('refuses to sign in before the address is confirmed, and says how to get a link', async () => {
    await page.goto(url('/sign-in'));
    await page.getByLabel('Mail address').fill(ADDRESS);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(
      (await alert.textContent()) ?? '',
      /^Confirm your address first: we mailed you a link when you signed up\./,
    );
    await alert.getByRole('link', { name: 'Sign up again' }).click();
    await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
  });

  it('confirms the address through the mailed link, signs in and shows the mail client settings', async () => {
    await waitFor(
      `the verification mail for ${ADDRESS}`,
      async () => {
        verifyLink = (await verificationLinks(ADDRESS))[0] ?? '';
        return verifyLink !== '';
      },
      DELIVERY_TIMEOUT_MS,
      250,
    );
    const mailed = new URL(verifyLink);
    assert.equal(mailed.origin + mailed.pathname, url('/verify'), 'the link opens this console');
    assert.match(mailed.searchParams.get('token') ?? '', /^zjv_[A-Za-z0-9_-]+$/);

    await page.goto(verifyLink);
    await page
      .getByRole('status')
      .filter({ hasText: `${ADDRESS} is confirmed` })
      .waitFor();
    assert.equal(await page.getByLabel('Mail address').inputValue(), ADDRESS);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Set up your mail client' }).waitFor();

    const { submissionPort, submissionsPort } = stack.relay.settings;
    assert.equal(await page.locator('[data-setting="host"]').textContent(), '127.0.0.1');
    const startTls = await page.locator('[data-setting="starttls-port"]').textContent();
    assert.equal(startTls, String(submissionPort));
    assert.equal(
      await page.locator('[data-setting="tls-port"]').textContent(),
      String(submissionsPort),
    );
    assert.equal(await page.locator('[data-setting="username"]').textContent(), ADDRESS);

    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'zajoni_session');
    assert.ok(session, 'session cookie set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'script cannot read the cookie');
  });

  it('shows a clear error for a link used a second time', async () => {
    await page.goto(verifyLink);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(
      (await alert.textContent()) ?? '',
      /^This link has already been used or has expired\./,
    );
    assert.equal((await verificationLinks(ADDRESS)).length, 1, 'one sign-up, one mail');
  });

  it('shows a clear error for a wrong password', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
    await page.goto(url('/sign-in'));
    await page.getByLabel('Mail address').fill(ADDRESS);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), 'The mail address or the password is wrong.');
  });

  it('sends a test message that appears live, with its remote queue id and conversation', async () => {
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sent messages' }).waitFor();
    await page.locator('[data-live="live"]').waitFor();

    await page.getByRole('button', { name: 'Send me a test message' }).click();
    const queued = page.getByRole('status').filter({ hasText: 'Test message queued' });
    const queueId = (await queued.locator('code').textContent()) ?? '';
    assert.match(queueId, /^[0-9A-Z]{26}$/);

    // No reload: the row appears when the delivery event arrives over SSE.
    const row = page.locator(`tr[data-queue-id="${queueId}"]`);
    await row.waitFor({ timeout: DELIVERY_TIMEOUT_MS });
    await row.getByText('delivered').waitFor({ timeout: DELIVERY_TIMEOUT_MS });
    assert.match((await row.textContent()) ?? '', /Zajoni test message/);

    await row.getByRole('link', { name: queueId }).click();
    await page.getByRole('table', { name: 'Recipients' }).waitFor();
    const remoteQueueId = await page.locator('.recipients .remote-queue-id').textContent();
    assert.match(remoteQueueId ?? '', /^[0-9A-F]{6,}$/, 'Postfix queue id');
    const conversation = page.getByRole('list', { name: 'SMTP conversation' }).first();
    const lines = await conversation.locator('li').allTextContents();
    // No EHLO when the relay reuses its connection from the verification mail (within 5 s to
    // the same Postfix): MAIL FROM is in every delivery's conversation.
    assert.ok(
      lines.some((l) => l.includes('Zajoni') && l.includes(`MAIL FROM:<${ADDRESS}>`)),
      'the relay names the sender',
    );
    assert.ok(
      lines.some((l) => /Server.*250 2\.0\.0 Ok: queued as/.test(l)),
      'the final reply',
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Transcript (JSON)' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `zajoni-${queueId}.json`);
    const records = JSON.parse(await readFile(await download.path(), 'utf8')) as {
      queueId: string;
      remoteQueueId: string | null;
    }[];
    assert.equal(records[0]?.queueId, queueId);
    assert.equal(records[0]?.remoteQueueId, remoteQueueId);
  });

  it('refuses a cookie-authenticated call from another origin (CSRF)', async () => {
    const refused = page.waitForResponse((r) => r.url() === stack.api.graphqlUrl);
    const { port } = otherOrigin.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    const response = await refused;
    assert.equal(response.status(), 403);
    assert.equal(await page.locator('#result').textContent({ timeout: 10_000 }), 'sent');

    // The same call with the console's header and origin but from Node: the cookie alone is
    // accepted only together with both.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'zajoni_session');
    const call = (headers: Record<string, string>) =>
      fetch(stack.api.graphqlUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          cookie: `zajoni_session=${cookie?.value ?? ''}`,
          ...headers,
        },
        body: JSON.stringify({ query: '{ me { user { address } } }' }),
      });
    assert.equal((await call({})).status, 403, 'no console header');
    const evil = await call({ 'x-zajoni-console': '1', origin: 'http://evil.test' });
    assert.equal(evil.status, 403, 'another origin');
    const own = await call({ 'x-zajoni-console': '1', origin: stack.api.url });
    assert.equal(own.status, 200);
    assert.deepEqual(await own.json(), { data: { me: { user: { address: ADDRESS } } } });
  });

  it('signs out: the cookie is gone and the session ended', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'zajoni_session');
    await page.goto(url('/messages'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
    const after = (await page.context().cookies()).find((c) => c.name === 'zajoni_session');
    assert.equal(after, undefined);
    const replay = await fetch(stack.api.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cookie?.value}` },
      body: JSON.stringify({ query: '{ me { kind } }' }),
    });
    assert.equal(replay.status, 401, 'the token no longer works');
    assert.deepEqual(cspViolations, []);
  });
});

/**
 * A page on another origin (another port of 127.0.0.1: same site, so Chromium sends the
 * SameSite=Strict cookie) that posts a GraphQL query to the API as a "simple" request.
 */
async function serveOtherOrigin(graphqlUrl: string): Promise<Server> {
  const html = `<!doctype html><p id="result">sending</p><script>
fetch(${JSON.stringify(graphqlUrl)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: { 'content-type': 'text/plain' }, body: '{"query":"{ me { user { address } } }"}' })
  .finally(() => { document.getElementById('result').textContent = 'sent'; });
</script>`;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * `make bench` / `make bench-quick`: Zajoni side by side with Postfix under the same load, plus
 * Zajoni's ingest, GraphQL and many-sessions figures. Prints tables and writes
 * bench/results/<timestamp>.json. Needs root (Postfix's master), like `make demo`.
 *
 * Usage: node --import tsx bench/run.ts [--quick] [--per-session N] [--only ingest|graphql|auth]
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readConditions } from './conditions.ts';
import { measureGraphql } from './graphql.ts';
import { measureIngest } from './ingest.ts';
import {
  checkTargets,
  comparisonTable,
  scalingTable,
  targetsTable,
  zajoniTable,
} from './report.ts';
import { runCase, type CaseConfig, type CaseResult } from './run-case.ts';
import { measureSessions } from './sessions.ts';
import { startSink } from './sink.ts';
import { startBenchDns, startPostfixRelay, startZajoni } from './systems.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'per-session': { type: 'string', default: '1' },
    /**
     * One figure alone, for before/after comparisons of one change: `ingest`, `graphql`, or
     * `auth` (argon2id verify cost, previous and current settings).
     */
    only: { type: 'string' },
  },
});
const quick = values.quick;
const perSession = Number(values['per-session']);

const KB = 1_000;
const MAIN: CaseConfig = {
  messages: quick ? 60 : 2_000,
  concurrency: 10,
  size: 2 * KB,
  perSession,
};
const SCALING: CaseConfig[] = quick
  ? []
  : [
      { messages: 200, concurrency: 1, size: 2 * KB, perSession },
      { messages: 2_000, concurrency: 100, size: 2 * KB, perSession },
      { messages: 500, concurrency: 10, size: 100 * KB, perSession },
      { messages: 40, concurrency: 10, size: 5_000 * KB, perSession },
    ];
const ACCOUNTS = 100;
const SESSIONS = quick
  ? { idle: 480, active: 20, messages: 20, accounts: ACCOUNTS }
  : { idle: 450, active: 50, messages: 500, accounts: ACCOUNTS };
const INGEST_RECORDS = quick ? 1_000 : 20_000;
const AUTH_SAMPLES = quick ? 10 : 50;
const GRAPHQL = quick ? { rows: 10_000, requests: 10 } : { rows: 1_000_000, requests: 100 };

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const startedAt = new Date();
  const conditions = readConditions();
  const dir = join(tmpdir(), `zajoni-bench-${startedAt.getTime()}`);
  await mkdir(dir, { recursive: true });
  // Postfix's and PostgreSQL's users must reach their directories below.
  await chmod(dir, 0o755);
  log(`bench: ${quick ? 'quick' : 'full'} run; logs under ${dir}`);
  const sink = await startSink();
  const dns = await startBenchDns(dir);
  const configs = [MAIN, ...SCALING];
  try {
    // One system at a time, so neither pays for the other's idle processes.
    const postfix = await startPostfixRelay({ dir, sinkPort: sink.port });
    const postfixCases: CaseResult[] = [];
    try {
      for (const config of configs)
        postfixCases.push(await announce(runCase(postfix, sink, config, ACCOUNTS)));
    } finally {
      await postfix.stop();
    }

    const zajoni = await startZajoni({ dir, dns, sinkPort: sink.port, accounts: ACCOUNTS });
    const zajoniCases: CaseResult[] = [];
    try {
      // First, on the fresh relay: the cases' larger messages would grow its heap for good.
      log('bench: sessions');
      const sessions = await measureSessions(zajoni, sink, SESSIONS);
      for (const config of configs)
        zajoniCases.push(await announce(runCase(zajoni, sink, config, ACCOUNTS)));
      log('bench: ingest');
      const ingest = await measureIngest(zajoni, INGEST_RECORDS);
      log('bench: graphql');
      const graphqlResult = await measureGraphql(zajoni, GRAPHQL);

      const main = { zajoni: zajoniCases[0]!, postfix: postfixCases[0]! };
      const targets = checkTargets(main, ingest, graphqlResult, sessions);
      const cases = configs.flatMap((_, i) => [zajoniCases[i]!, postfixCases[i]!]);
      const text = [
        '',
        `Conditions (${startedAt.toISOString()}):`,
        ...Object.entries(conditions).map(([k, v]) => `  ${k}: ${v}`),
        '',
        `Zajoni vs Postfix: ${MAIN.messages} messages of ${MAIN.size / KB} KB, ${MAIN.concurrency} sessions, ${perSession} message(s) per session`,
        comparisonTable(main.zajoni, main.postfix),
        '',
        scalingTable(cases),
        '',
        zajoniTable(ingest, graphqlResult, sessions),
        '',
        targetsTable(targets),
      ].join('\n');
      log(text);
      const resultsDir = join(import.meta.dirname, 'results');
      await mkdir(resultsDir, { recursive: true });
      const file = join(resultsDir, `${startedAt.toISOString().replaceAll(':', '-')}.json`);
      const json = {
        mode: quick ? 'quick' : 'full',
        startedAt,
        conditions,
        cases,
        sessions,
        ingest,
        graphql: graphqlResult,
        targets,
      };
      await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
      log(`\nbench: results in ${file}`);
      // Last line, for scripts: Zajoni's end-to-end rate over Postfix's in the main case.
      const ratio = main.zajoni.endToEndRate / main.postfix.endToEndRate;
      log(`e2e_ratio_vs_postfix=${ratio.toFixed(3)}`);
    } finally {
      await zajoni.stop();
    }
  } finally {
    await dns.stop();
    await sink.stop();
  }
}

/** One of Zajoni's own figures alone, on a system with one account. */
async function zajoniOnly(figure: 'ingest' | 'graphql'): Promise<void> {
  const dir = join(tmpdir(), `zajoni-bench-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const sink = await startSink();
  const dns = await startBenchDns(dir);
  try {
    const zajoni = await startZajoni({ dir, dns, sinkPort: sink.port, accounts: 1 });
    try {
      const result =
        figure === 'ingest'
          ? await measureIngest(zajoni, INGEST_RECORDS)
          : await measureGraphql(zajoni, GRAPHQL);
      log(`bench: ${figure} ${JSON.stringify(result)}; logs under ${dir}`);
    } finally {
      await zajoni.stop();
    }
  } finally {
    await dns.stop();
    await sink.stop();
  }
}

async function announce(result: Promise<CaseResult>): Promise<CaseResult> {
  const r = await result;
  const c = r.config;
  log(
    `bench: ${r.system} c=${c.concurrency} size=${c.size}: ${r.delivered}/${c.messages} delivered, ` +
      `${r.submitRate.toFixed(1)} sub/s, ${r.endToEndRate.toFixed(1)} e2e/s` +
      (r.sessionErrors > 0 ? `, ${r.sessionErrors} sessions failed (${r.firstError})` : '') +
      (r.complete ? '' : ' (INCOMPLETE)'),
  );
  return r;
}

if (values.only === 'ingest' || values.only === 'graphql') await zajoniOnly(values.only);
else if (values.only === 'auth') {
  // Loaded only here: the main run's process needs no argon2 binding of its own.
  const { measurePasswordHash } = await import('./password-hash.ts');
  log(`bench: auth ${JSON.stringify(await measurePasswordHash(AUTH_SAMPLES))}`);
} else if (values.only === undefined) await main();
else throw new Error(`--only: unknown figure ${values.only}`);

/**
 * `npm test`: every check a change must pass, in order, with one summary line at the end.
 * Steps: typecheck, lint, unit and integration tests (vitest, real PostgreSQL), the client build,
 * and the browser journeys (Playwright driving Chromium against `npm start` and the example hosts;
 * Debian's Chromium is installed first when it is missing and this process may install packages).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromiumPath, ensureChromium, realMachine } from './ensure-chromium.ts';

const root = path.resolve(import.meta.dirname, '..');
const node = process.execPath;
const resultsDirectory = path.join(root, 'test-results');
fs.mkdirSync(resultsDirectory, { recursive: true });

type Counts = { passed: number; failed: number; skipped: number };
const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const failedSteps: string[] = [];
/** Named at the very end: CI keeps only the tail of the output. */
const failedTests: string[] = [];

function run(step: string, args: string[], env: NodeJS.ProcessEnv = {}): boolean {
  console.log(`\n▶ ${step}`);
  const started = Date.now();
  const result = spawnSync(node, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = result.status === 0;
  console.log(`${ok ? '✔' : '✘'} ${step} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (!ok) failedSteps.push(step);
  return ok;
}

/** A step with no test count of its own (typecheck, lint, build) counts as one check. */
function check(step: string, args: string[]): void {
  if (run(step, args)) total.passed++;
  else total.failed++;
}

function addCounts(counts: Counts | null, step: string): void {
  if (!counts) {
    total.failed++;
    failedSteps.push(`${step} (no results file)`);
    return;
  }
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}

function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function firstLine(text: unknown): string {
  return String(text ?? 'failed').split('\n')[0]!.slice(0, 300);
}

function collectPlaywrightFailures(suites: any[]): void {
  for (const suite of suites) {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status === 'unexpected' || test.status === 'flaky') failedTests.push(`${spec.file} › ${spec.title} (${test.status})`);
      }
    }
    collectPlaywrightFailures(suite.suites ?? []);
  }
}

const only = process.argv.slice(2);
const wants = (step: string) => only.length === 0 || only.includes(step);

if (wants('typecheck')) check('typecheck', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']);
if (wants('lint')) check('lint', ['node_modules/eslint/bin/eslint.js', '--max-warnings=0', '.']);

if (wants('unit')) {
  const vitestResults = path.join(resultsDirectory, 'vitest.json');
  fs.rmSync(vitestResults, { force: true });
  run('unit and integration tests', [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${vitestResults}`,
  ]);
  const report = readJson(vitestResults);
  for (const file of report?.testResults ?? []) {
    const failedInFile = (file.assertionResults ?? []).filter((test: any) => test.status === 'failed');
    for (const test of failedInFile) failedTests.push(`${path.relative(root, file.name)} › ${test.fullName}`);
    // A file can fail with no failed test (a hook, an import, a worker that never finished).
    if (file.status === 'failed' && failedInFile.length === 0) failedTests.push(`${path.relative(root, file.name)}: ${firstLine(file.message)}`);
  }
  addCounts(
    report
      ? { passed: report.numPassedTests, failed: report.numFailedTests || report.numFailedTestSuites, skipped: report.numPendingTests + report.numTodoTests }
      : null,
    'unit and integration tests',
  );
}

if (wants('build')) {
  check('client build', ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);
  // The publishable @propsync/embed package (React build, web component, declarations) in dist/embed;
  // the example hosts embed it in the browser journeys.
  check('embed package build', ['client/build/build-embed.ts']);
  // The static Storybook designers open without a server.
  check('static Storybook build', ['node_modules/storybook/dist/bin/dispatcher.js', 'build', '--quiet', '-o', 'storybook-static']);
}

if (wants('e2e')) {
  console.log('\n▶ browser for the journeys');
  const browser = ensureChromium(chromiumPath(), realMachine);
  if (browser.ok) {
    console.log(`✔ Chromium at ${browser.path}${browser.installed ? ' (installed by this run)' : ''}`);
    const playwrightResults = path.join(resultsDirectory, 'playwright.json');
    fs.rmSync(playwrightResults, { force: true });
    run('browser journeys', ['node_modules/@playwright/test/cli.js', 'test', '-c', 'e2e/playwright.config.ts', '--reporter=list,json'], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightResults,
      PROPSYNC_CHROMIUM: browser.path,
    });
    const report = readJson(playwrightResults);
    collectPlaywrightFailures(report?.suites ?? []);
    addCounts(
      report ? { passed: report.stats.expected, failed: report.stats.unexpected + report.stats.flaky, skipped: report.stats.skipped } : null,
      'browser journeys',
    );
  } else {
    console.log(`✘ ${browser.message}`);
    failedSteps.push('browser for the journeys');
    total.failed++;
  }
}

console.log('');
for (const test of failedTests) console.log(`✘ ${test}`);
if (failedSteps.length > 0) console.log(`Failed steps: ${failedSteps.join(', ')}`);
console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 || failedSteps.length > 0 ? 1 : 0);

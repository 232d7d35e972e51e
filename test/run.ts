/**
 * The test command: runs every compiled test file on node:test (files in parallel, each in its own
 * process and database), prints the spec report, and ends with one line `N passed, N failed`.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = findTests(__dirname)
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .sort();
let passed = 0;
let failed = 0;
const stream = run({ files, concurrency: Number(process.env.TEST_CONCURRENCY ?? 2), timeout: 10 * 60_000 });
stream.on('test:pass', (event) => {
  if ((event.details as { type?: string }).type !== 'suite' && !event.skip && !event.todo) passed += 1;
});
stream.on('test:fail', (event) => {
  if ((event.details as { type?: string }).type !== 'suite') failed += 1;
});
const report = stream.compose(new spec());
report.pipe(process.stdout, { end: false });
// After the reporter's own summary, so this is the run's last line.
report.on('end', () => {
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
});

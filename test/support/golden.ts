// Golden files: compare output with a committed file; UPDATE_GOLDEN=1 rewrites them (then review
// the diff like code).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function assertGolden(file: URL, actual: string): void {
  const path = file.pathname;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI === 'true' && !existsSync(path)) assert.fail(`golden file ${path} is missing (run with UPDATE_GOLDEN=1 and commit it)`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from ${path} (UPDATE_GOLDEN=1 to accept)`);
}

// The README's library example, taken from README.md as it stands, type-checked against the built
// package and run as a user's script against the real Engine: a change that breaks the example
// breaks this test.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import ts from 'typescript';
import { createRunId } from './support/engine.js';
import { useProject } from './support/project.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const run = useProject('lib');

/** The code block that follows the library-example marker in README.md. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const marker = readme.indexOf('<!-- library-example:');
  assert.ok(marker !== -1, 'README.md has no library-example marker');
  const block = /```ts\n([\s\S]*?)\n```/.exec(readme.slice(marker));
  assert.ok(block?.[1] !== undefined, 'no ```ts block after the library-example marker');
  return `${block[1]}\n`;
}

// Inside the repository (in its git-ignored tmp/), so that `import ... from 'moor'` resolves to
// this very package through its "exports", as it does for a user who installed it.
const work = join(REPO, 'tmp', `readme-${createRunId()}`);
mkdirSync(work, { recursive: true });
after(() => rmSync(work, { recursive: true, force: true }));

function runNode(script: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the README library example', () => {
  const code = readmeExample();

  test('type-checks against the built package (strict)', () => {
    const file = join(work, 'example.mts');
    writeFileSync(file, code);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(problems, []);
  });

  test('runs against the real Engine: plans, applies and waits until the project converged', async () => {
    const project = run.newProject();
    const dir = mkdtempSync(join(tmpdir(), 'moor-lib-'));
    writeFileSync(join(dir, 'moor.yaml'), `project: ${project}
containers:
  web:
    image: moor/busybox:latest
    command: ["sh", "-c", "mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www"]
    init: true
    healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"], interval: 1s }
`);
    const script = join(work, 'example.mjs');
    writeFileSync(script, code);
    const r = await runNode(script, dir);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Plan for project ${project}: 2 to create`));
    assert.match(r.stdout, /^done: container\/web:start$/m);
    assert.match(r.stdout, /^container web: converged, running, healthy$/m);
    const live = await run.engine.containers.inspect(`${project}_web`);
    assert.equal(live.State.Health?.Status, 'healthy');
  });
});

// The pure-CPU benchmark: `moor plan` of N services (default 1000) with no Engine. Bundled and run
// as its own process by the harness (so its peak RSS is the plan's alone):
//   node cpu.mjs N   -> prints one JSON line: the phases' times in ms
//
// The observed state is a recording of the Engine's answers for the applied project: the list
// answers (/info, /networks, /services, /secrets, /configs, ...) as JSON text, in the Engine's
// format, made from what moor's apply sends (convert/to-engine) plus what the Engine adds (ids,
// versions, dates, scope). Timed: loading the manifest (YAML, schema, normalisation), decoding the
// recorded answers and observing (the same observeProject, over a client that answers from the
// recording), planning, and rendering the plan. The plan must be a no-op: every service compared,
// none changed.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { CLI_V8_FLAGS } from '../src/cli/launch.js';
import { configBody, networkBody, secretBody, serviceBody } from '../src/convert/to-engine.js';
import { resolveNames, resolveServiceSpec } from '../src/diff/resolve.js';
import type { EngineClient } from '../src/engine/index.js';
import { loadProject } from '../src/compose/front.js';
import type { DesiredProject } from '../src/model/desired.js';
import { saltedFingerprint, sha256Hex, seededIds } from '../src/model/hash.js';
import { observeProject } from '../src/observe/observe.js';
import { buildPlan } from '../src/plan/build.js';
import { renderPlanText } from '../src/plan/render.js';
import { emptyObserved } from '../test/support/model.js';
import { FIRST_REVISION, writeProject } from './generate.js';

type Answers = Record<string, string>;

/** The Engine's answers for `desired` once applied, as the JSON texts the Engine sends. */
export function recordAnswers(desired: DesiredProject): Answers {
  const project = desired.project;
  const r = resolveNames(desired, emptyObserved({ project }), seededIds('cpu'));
  let n = 0;
  const id = (): string => (++n).toString(16).padStart(25, '0');
  const meta = () => ({ ID: id(), Version: { Index: 100 + n }, CreatedAt: '2026-01-01T00:00:00.000000000Z', UpdatedAt: '2026-01-01T00:00:00.000000000Z' });
  const networkIds = new Map<string, string>();
  const networks = Object.values(desired.networks).flatMap((net) => {
    if (net.external) return [];
    const body = networkBody(net.engineName, net.spec, { project, name: net.name });
    const netId = id();
    networkIds.set(net.engineName, netId);
    return [{ Name: body.Name, Id: netId, Created: '2026-01-01T00:00:00Z', Scope: net.spec.driver === 'overlay' ? 'swarm' : 'local', Driver: body.Driver, EnableIPv6: false, IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] }, Internal: body.Internal, Attachable: body.Attachable, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: {}, Options: body.Options, Labels: body.Labels }];
  });
  const secretIds = new Map<string, string>();
  const secrets = Object.values(desired.secrets).flatMap((s) => {
    if (s.external) return [];
    const engineName = r.secrets.get(s.name) as string;
    const body = secretBody(engineName, s.spec, s.data.reveal(), saltedFingerprint(s.data.reveal(), 'recorded-salt'), { project, name: s.name });
    const m = meta();
    secretIds.set(engineName, m.ID);
    return [{ ...m, Spec: { Name: body.Name, Labels: body.Labels } }];
  });
  const configIds = new Map<string, string>();
  const configs = Object.values(desired.configs).flatMap((c) => {
    if (c.external) return [];
    const engineName = r.configs.get(c.name) as string;
    const body = configBody(engineName, c.spec, c.data, `sha256:${sha256Hex(c.data)}`, { project, name: c.name });
    const m = meta();
    configIds.set(engineName, m.ID);
    return [{ ...m, Spec: body }];
  });
  const services = Object.values(desired.services).map((s) => {
    const spec = serviceBody(s.engineName, resolveServiceSpec(s.spec, r), { project, name: s.name }, { secretIds, configIds, networkIds }, { dependsOn: s.dependsOn, forceUpdate: 0 });
    return { ...meta(), Spec: spec, Endpoint: { Spec: { Mode: 'vip' }, VirtualIPs: [] }, ServiceStatus: { RunningTasks: 1, DesiredTasks: 1, CompletedTasks: 0 } };
  });
  const info = { ServerVersion: '20.10.24+dfsg1', Swarm: { LocalNodeState: 'active', ControlAvailable: true } };
  const images = [{ Id: 'sha256:busybox', RepoTags: ['moor/busybox:latest'], RepoDigests: [], Created: 0, Size: 0, Labels: null }];
  const json = (v: unknown): string => JSON.stringify(v);
  return { info: json(info), networks: json(networks), volumes: json({ Volumes: [], Warnings: null }), containers: json([]), images: json(images), services: json(services), secrets: json(secrets), configs: json(configs) };
}

/** A client answering observeProject's reads from the recording (decoding each answer, as the real one does). */
function replayClient(answers: Answers): EngineClient {
  const answer = async (key: string): Promise<never> => JSON.parse(answers[key] ?? 'null') as never;
  const client = {
    apiVersion: '1.41',
    system: { info: () => answer('info') },
    networks: { list: () => answer('networks'), inspect: async (idOrName: string) => (JSON.parse(answers['networks'] ?? '[]') as { Id: string }[]).find((x) => x.Id === idOrName) },
    volumes: { list: async () => ({ volumes: (JSON.parse(answers['volumes'] ?? '{}') as { Volumes: unknown[] }).Volumes, warnings: [] }) },
    containers: { list: () => answer('containers'), inspect: () => Promise.reject(new Error('no containers recorded')) },
    images: { list: () => answer('images') },
    services: { list: () => answer('services') },
    secrets: { list: () => answer('secrets') },
    configs: { list: () => answer('configs') },
  };
  return client as unknown as EngineClient;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? '1000');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moor-bench-cpu-'));
  try {
    const files = writeProject(dir, 'cpubench', { services: n, containers: 0 }, 'swarm', FIRST_REVISION);
    const cpu = (): number => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const c0 = cpu();
    const t0 = performance.now();
    // As the CLI reads manifests: moor's format or Compose is judged first, then the file is loaded.
    const loaded = await loadProject({ files: [files.moor], cwd: dir, env: {}, envFiles: [], allowExternalFiles: false });
    if (!loaded.ok) throw new Error(`the generated manifest is invalid: ${JSON.stringify(loaded.issues.slice(0, 3))}`);
    const t1 = performance.now();
    const c1 = cpu();
    const answers = recordAnswers(loaded.desired);
    const c2 = cpu();
    const t2 = performance.now();
    const observed = await observeProject(replayClient(answers), loaded.desired.project);
    const t3 = performance.now();
    const plan = buildPlan(loaded.desired, observed, { pruneVolumes: false, replaceVolumes: false, pull: 'missing', newId: seededIds('cpu') });
    const t4 = performance.now();
    const text = renderPlanText(plan, { color: false });
    const t5 = performance.now();
    const c5 = cpu();
    if (plan.changes.length !== 0) throw new Error(`the plan of the recorded state is not a no-op: ${plan.changes.length} changes, e.g. ${JSON.stringify(plan.changes[0]).slice(0, 400)}`);
    if (observed.services.length !== n) throw new Error(`observed ${observed.services.length} services, expected ${n}`);
    process.stdout.write(
      `${JSON.stringify({ services: n, loadMs: t1 - t0, observeMs: t3 - t2, planMs: t4 - t3, renderMs: t5 - t4, totalMs: t1 - t0 + (t5 - t2), totalCpuMs: c1 - c0 + (c5 - c2), heapUsedMb: process.memoryUsage().heapUsed / 2 ** 20, planLines: text.split('\n').length })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// As bin/moor runs a command (src/cli/launch.ts).
setFlagsFromString(CLI_V8_FLAGS);
await main();

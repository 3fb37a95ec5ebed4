// Helpers for reconcile tests against the real Engine: a unique project per test file, clean-up of
// everything that project owns (by moor's own io.moor.project label), and the plan/apply pipeline
// wired to the real client.
import { after, before } from 'node:test';
import type { EngineClient } from '../../src/engine/client.js';
import { isEngineError } from '../../src/engine/errors.js';
import { applyPlan } from '../../src/apply/apply.js';
import type { ApplyReport } from '../../src/apply/execute.js';
import type { DesiredProject } from '../../src/model/desired.js';
import { randomId } from '../../src/model/hash.js';
import type { ObservedProject } from '../../src/model/observed.js';
import { observeProject } from '../../src/observe/observe.js';
import { buildPlan, DEFAULT_PLAN_OPTIONS, type Plan, type PlanOptions } from '../../src/plan/build.js';
import { connectTestEngine, createRunId } from './engine.js';

export interface ProjectRun {
  /** A project name unique to this test file. */
  readonly project: string;
  readonly engine: EngineClient;
  /** Another project name, unique too, also removed after the file's tests. */
  newProject(): string;
}

/** Connects before the file's tests, and removes everything the project owns after them. */
export function useProject(prefix = 't'): ProjectRun {
  const project = `${prefix}${createRunId()}`;
  const projects = [project];
  let engine: EngineClient | undefined;
  before(async () => {
    engine = await connectTestEngine();
  });
  after(async () => {
    if (engine === undefined) return;
    for (const p of projects) await removeProject(engine, p);
    await engine.close();
  });
  return {
    project,
    newProject: () => {
      const p = `${prefix}${createRunId()}`;
      projects.push(p);
      return p;
    },
    get engine(): EngineClient {
      if (engine === undefined) throw new Error('not connected yet');
      return engine;
    },
  };
}

async function quietly(work: () => Promise<unknown>, attempts = 40): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await work();
      return;
    } catch (err: unknown) {
      if (isEngineError(err, 'not-found')) return;
      if (i >= attempts || !(isEngineError(err, 'in-use') || isEngineError(err, 'conflict') || isEngineError(err, 'forbidden'))) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Removes every object labelled io.moor.project=<project> (a safety net behind moor destroy). */
export async function removeProject(engine: EngineClient, project: string): Promise<void> {
  const filters = { label: `io.moor.project=${project}` };
  for (const s of await engine.services.list({ filters })) await quietly(() => engine.services.remove(s.ID));
  for (const c of await engine.containers.list({ all: true, filters })) await quietly(() => engine.containers.remove(c.Id, { force: true, volumes: true }));
  for (const s of await engine.secrets.list({ filters })) await quietly(() => engine.secrets.remove(s.ID));
  for (const c of await engine.configs.list({ filters })) await quietly(() => engine.configs.remove(c.ID));
  for (const n of await engine.networks.list({ filters })) await quietly(() => engine.networks.remove(n.Id));
  for (const v of (await engine.volumes.list({ filters })).volumes) await quietly(() => engine.volumes.remove(v.Name));
}

export async function planAgainst(engine: EngineClient, desired: DesiredProject, over: Partial<PlanOptions> = {}): Promise<{ plan: Plan; observed: ObservedProject }> {
  const observed = await observeProject(engine, desired.project);
  return { plan: buildPlan(desired, observed, { ...DEFAULT_PLAN_OPTIONS, newId: randomId, ...over }), observed };
}

/** observe -> plan -> execute, as `moor apply --yes` does; returns the plan and the report. */
export async function applyProject(engine: EngineClient, desired: DesiredProject, over: Partial<PlanOptions> = {}): Promise<{ plan: Plan; report: ApplyReport }> {
  const { plan, observed } = await planAgainst(engine, desired, over);
  const report = await applyPlan(engine, desired, observed, plan);
  return { plan, report };
}

/** Same objects, another project name (builders in test/support/model.ts use PROJECT). */
export function renameProject(desired: DesiredProject, project: string): DesiredProject {
  const rename = <T extends { engineName?: string }>(o: T): T =>
    o.engineName === undefined || !o.engineName.startsWith(`${desired.project}_`) ? o : { ...o, engineName: `${project}_${o.engineName.slice(desired.project.length + 1)}` };
  const map = <T extends { engineName?: string }>(r: Readonly<Record<string, T>>): Record<string, T> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, rename(v)]));
  return { ...desired, project, networks: map(desired.networks), volumes: map(desired.volumes), secrets: desired.secrets, configs: desired.configs, containers: map(desired.containers), services: map(desired.services) };
}

export function failures(report: ApplyReport): string[] {
  return report.outcomes.filter((o) => o.status !== 'done').map((o) => `${o.step.key}: ${o.status}${o.error instanceof Error ? ` (${o.error.message})` : ''}${o.cause === undefined ? '' : ` (after ${o.cause})`}`);
}

// A small metrics registry and its Prometheus text exposition (format 0.0.4), written by hand: it
// is a page of code, and moor needs only counters, gauges and one histogram, with few labels.
//
// https://prometheus.io/docs/instrumenting/exposition_formats/: `# HELP`, `# TYPE`, then one line
// per series `name{label="value",...} value`; histograms as cumulative `_bucket{le="..."}` series
// plus `_sum` and `_count`. Series are printed in a stable order (sorted label values).
//
// Must not: take label values from unbounded sets (object names are fine, ids and times are not),
// and never a secret: label values and help texts are printed as they are.

type Labels = Readonly<Record<string, string>>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra !== '') parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

abstract class Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[]) {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
    for (const l of labelNames) if (!LABEL_NAME.test(l) || l === 'le') throw new Error(`invalid label name ${l} on ${name}`);
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  /** The label values in `labelNames` order; every label must be given, and no other. */
  protected key(labels: Labels): string[] {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || given.some((k) => !this.labelNames.includes(k))) {
      throw new Error(`${this.name} takes labels {${this.labelNames.join(', ')}}, got {${given.join(', ')}}`);
    }
    return this.labelNames.map((l) => labels[l] as string);
  }

  abstract samples(): string[];

  render(): string {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join('\n');
  }
}

/** A value per label set: the shared storage of counters and gauges. */
abstract class ValueMetric extends Metric {
  readonly #values = new Map<string, { labels: string[]; value: number }>();

  protected update(labels: Labels, change: (old: number) => number): void {
    const values = this.key(labels);
    const id = JSON.stringify(values);
    const entry = this.#values.get(id) ?? { labels: values, value: 0 };
    entry.value = change(entry.value);
    this.#values.set(id, entry);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(JSON.stringify(this.key(labels)))?.value ?? 0;
  }

  samples(): string[] {
    const entries = [...this.#values.values()].sort((a, b) => a.labels.join('\u0000').localeCompare(b.labels.join('\u0000')));
    return entries.map((e) => `${this.name}${formatLabels(this.labelNames, e.labels)} ${formatValue(e.value)}`);
  }
}

export class Counter extends ValueMetric {
  readonly type = 'counter' as const;

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up (by ${by})`);
    this.update(labels, (old) => old + by);
  }
}

export class Gauge extends ValueMetric {
  readonly type = 'gauge' as const;

  set(labels: Labels, value: number): void {
    this.update(labels, () => value);
  }
}

export class Histogram extends Metric {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help, []);
    if (buckets.length === 0 || buckets.some((b, i) => i > 0 && b <= (buckets[i - 1] as number))) throw new Error(`${name}: buckets must be increasing`);
    this.buckets = buckets;
    this.#counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count += 1;
    this.buckets.forEach((bound, i) => {
      if (value <= bound) this.#counts[i] = (this.#counts[i] as number) + 1;
    });
  }

  get count(): number {
    return this.#count;
  }

  get sum(): number {
    return this.#sum;
  }

  samples(): string[] {
    const lines = this.buckets.map((bound, i) => `${this.name}_bucket{le="${formatValue(bound)}"} ${this.#counts[i] as number}`);
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`, `${this.name}_sum ${formatValue(this.#sum)}`, `${this.name}_count ${this.#count}`);
    return lines;
  }
}

export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  #add<M extends Metric>(metric: M): M {
    if (this.#metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.#metrics.push(metric);
    return metric;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    if (!name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
    return this.#add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.#add(new Histogram(name, help, buckets));
  }

  /** The text exposition of every metric, in registration order. */
  render(): string {
    return `${this.#metrics.map((m) => m.render()).join('\n')}\n`;
  }
}

/** The content type of the text exposition. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

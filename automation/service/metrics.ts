/**
 * Prometheus text exposition (format 0.0.4) of the service's own counters plus gauges read from the store at
 * scrape time. Small on purpose: counters and histograms keyed by label sets, no client library.
 */
import { Store } from "../store/types";

type Labels = Record<string, string>;

function labelKey(l: Labels): string {
  const keys = Object.keys(l).sort();
  return keys.length
    ? `{${keys.map((k) => `${k}="${String(l[k]).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`
    : "";
}

/** The `# HELP` and `# TYPE` lines that open a metric family. */
function header(name: string, help: string, type: "counter" | "gauge" | "histogram"): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

/** One series per entry of `counts`, labelled `<label>="<key>"`. */
function byLabel(label: string, counts: Record<string, number>): [Labels, number][] {
  return Object.entries(counts).map(([k, n]) => [{ [label]: k }, n]);
}

class Counter {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string {
    const lines = header(this.name, this.help, "counter");
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines.join("\n");
  }
}

class Histogram {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(labels: Labels, v: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.buckets.forEach((b, i) => {
      if (v <= b) s!.counts[i]++;
    });
    s.sum += v;
    s.count++;
  }
  render(): string {
    const lines = header(this.name, this.help, "histogram");
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) =>
        lines.push(`${this.name}_bucket${labelKey({ ...s.labels, le: String(b) })} ${s.counts[i]}`),
      );
      lines.push(`${this.name}_bucket${labelKey({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${this.name}_sum${labelKey(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelKey(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}

export class Metrics {
  readonly httpRequests = new Counter(
    "basphere_http_requests_total",
    "HTTP requests by method, route and status code.",
  );
  readonly httpDuration = new Histogram(
    "basphere_http_request_duration_seconds",
    "HTTP request latency by route.",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );
  readonly operationsFinished = new Counter(
    "basphere_operations_finished_total",
    "Operations that ended, by kind and final status.",
  );
  readonly operationDuration = new Histogram(
    "basphere_operation_duration_seconds",
    "Operation run time by kind.",
    [1, 5, 15, 30, 60, 120, 300, 600, 1800],
  );
  readonly driftChecks = new Counter(
    "basphere_drift_checks_total",
    "Drift checks that ended, by result (clean, drifted, failed, cancelled).",
  );
  readonly driftCheckDuration = new Histogram(
    "basphere_drift_check_duration_seconds",
    "Wall time of one drift check (preview --refresh of a tenant stack).",
    [1, 2.5, 5, 10, 20, 30, 60, 120, 300],
  );
  readonly reconciles = new Counter(
    "basphere_drift_reconciles_total",
    "Reconciles (up --refresh queued for a drift) that ended, by final status.",
  );
  readonly authFailures = new Counter(
    "basphere_auth_failures_total",
    "Requests refused for a missing or wrong token (401) or a token of another tenant (403).",
  );

  /** The full exposition, with store gauges read now. */
  async render(store: Store, extra: { running: number; concurrency: number }): Promise<string> {
    const c = await store.counts();
    const now = Date.now();
    const ages: [Labels, number][] = (await store.listTenants())
      .filter((t) => t.drift !== null)
      .map((t) => [{ tenant: t.name }, Math.max(0, (now - Date.parse(t.drift!.checkedAt)) / 1000)]);
    const gauge = (name: string, help: string, rows: [Labels, number][]) =>
      [...header(name, help, "gauge"), ...rows.map(([l, v]) => `${name}${labelKey(l)} ${v}`)].join("\n");
    const parts = [
      this.httpRequests.render(),
      this.httpDuration.render(),
      this.operationsFinished.render(),
      this.operationDuration.render(),
      this.authFailures.render(),
      this.driftChecks.render(),
      this.driftCheckDuration.render(),
      this.reconciles.render(),
      gauge("basphere_tenants_drifted", "Tenants whose last drift check found drift.", [
        [{}, c.tenants.drifted],
      ]),
      gauge("basphere_drift_last_check_age_seconds", "Seconds since each tenant's last drift check.", ages),
      gauge(
        "basphere_drift_oldest_check_age_seconds",
        "Seconds since the oldest last drift check of any tenant (0 when none was checked).",
        [[{}, ages.reduce((m, [, v]) => Math.max(m, v), 0)]],
      ),
      gauge("basphere_tenants", "Tenants by status.", byLabel("status", c.tenants)),
      gauge("basphere_operations", "Operations in the store by status.", byLabel("status", c.operations)),
      gauge("basphere_queue_depth", "Operations waiting in the queue.", [[{}, c.operations.queued]]),
      gauge("basphere_worker_running", "Operations running in this process.", [[{}, extra.running]]),
      gauge("basphere_worker_concurrency", "Global limit of operations running at once.", [
        [{}, extra.concurrency],
      ]),
      gauge("basphere_pool_allocated", "Allocated values by pool.", byLabel("pool", c.allocations)),
      gauge("basphere_pool_size", "Capacity of each pool.", byLabel("pool", store.poolSizes())),
    ];
    return parts.join("\n") + "\n";
  }
}

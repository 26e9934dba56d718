/**
 * A small Kubernetes REST client from a kubeconfig (its current context: server, CA, client certificate or token),
 * sending and receiving objects as plain JSON. Used where a Pulumi resource is not the right tool: the box's setup
 * (CRDs, the Cluster API kubeconfig simulator), waits inside dynamic resources, and tests reading what the API
 * server holds.
 *
 * Why not @kubernetes/client-node: its typed serializer rewrites objects of built-in kinds, and drops
 * `x-kubernetes-int-or-string` from CRD schemas (the API server then refuses Cluster API's CRDs with "type: Required
 * value"). Plain JSON keeps every object exactly as written.
 */
import * as https from "node:https";
import * as YAML from "yaml";

/** An answer that is not 2xx; `code` is the HTTP status, `body` the Status object when there is one. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: any,
    what: string,
  ) {
    super(`${what}: HTTP ${code}${body?.message ? `: ${body.message}` : ""}`);
    this.name = "KubeApiError";
  }
}

/** What the client needs of a kubeconfig. */
export interface KubeTarget {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecure?: boolean;
}

/** Reads the current context of a kubeconfig (YAML text): server and credentials (inline `*-data` or token). */
export function parseKubeconfig(text: string): KubeTarget {
  const doc = YAML.parse(text) as any;
  const ctxName = doc?.["current-context"];
  const ctx =
    (doc?.contexts ?? []).find((c: any) => c.name === ctxName)?.context ?? doc?.contexts?.[0]?.context;
  if (!ctx) throw new Error("kubeconfig has no context");
  const cluster = (doc.clusters ?? []).find((c: any) => c.name === ctx.cluster)?.cluster;
  const user = (doc.users ?? []).find((u: any) => u.name === ctx.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig: cluster ${ctx.cluster} has no server`);
  const b64 = (v: string | undefined) => (v ? Buffer.from(v, "base64") : undefined);
  return {
    server: String(cluster.server).replace(/\/$/, ""),
    ca: b64(cluster["certificate-authority-data"]),
    cert: b64(user["client-certificate-data"]),
    key: b64(user["client-key-data"]),
    token: user.token,
    insecure: cluster["insecure-skip-tls-verify"] === true,
  };
}

/** Plural resource path of an object: `/api/v1/namespaces/<ns>/secrets/<name>`, `/apis/<g>/<v>/...`. */
export function resourcePath(apiVersion: string, plural: string, namespace?: string, name?: string): string {
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ""}`;
}

/** A client bound to one API server. */
export class KubeClient {
  constructor(readonly target: KubeTarget) {}

  static fromKubeconfig(text: string): KubeClient {
    return new KubeClient(parseKubeconfig(text));
  }

  /** One request; resolves the decoded JSON answer, rejects with {@link KubeApiError} on a non-2xx status. */
  request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
    timeoutMs = 15_000,
  ): Promise<T> {
    const url = new URL(this.target.server + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: this.target.ca,
          cert: this.target.cert,
          key: this.target.key,
          rejectUnauthorized: !this.target.insecure,
          timeout: timeoutMs,
          headers: {
            accept: "application/json",
            ...(payload !== undefined
              ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) }
              : {}),
            ...(this.target.token ? { authorization: `Bearer ${this.target.token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: any;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = { message: text.slice(0, 200) };
            }
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) resolve(json as T);
            else reject(new KubeApiError(code, json, `${method} ${path}`));
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer after ${timeoutMs} ms`)));
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get<T = any>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /** GET that resolves undefined for 404. */
  async find<T = any>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  create<T = any>(collectionPath: string, obj: unknown): Promise<T> {
    return this.request<T>("POST", collectionPath, obj);
  }

  /** JSON merge patch (RFC 7386) of the object at `path`, as `kubectl patch --type merge` sends it. */
  patch<T = any>(path: string, patch: unknown, fieldManager?: string): Promise<T> {
    const q = fieldManager ? `?fieldManager=${encodeURIComponent(fieldManager)}` : "";
    return this.request<T>("PATCH", `${path}${q}`, patch, "application/merge-patch+json");
  }

  /** Server-side apply of `obj` at its resource path (created when missing). */
  apply<T = any>(path: string, obj: unknown, fieldManager: string): Promise<T> {
    return this.request<T>(
      "PATCH",
      `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`,
      obj,
      "application/apply-patch+yaml",
    );
  }
}

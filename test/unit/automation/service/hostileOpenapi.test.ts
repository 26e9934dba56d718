/**
 * Hostile input generated from the service's own OpenAPI document: for every route, every path parameter, query
 * parameter and body field (the tenant spec's included, through components.schemas.TenantSpec), fast-check makes
 * values the document says are invalid — wrong JSON types, numbers out of range, strings over their maxLength,
 * lists over their maxItems (up to 10,000 entries), unknown fields, unknown or repeated query parameters — plus odd
 * encodings of the bodies (other charsets, UTF-16 or Latin-1 bytes, media types that are not JSON). Every answer
 * must be a 4xx whose body is the documented Error and whose `field` names the part of the request that was
 * wrong; none a 5xx; nothing may be created (tenants, operations, allocations, stacks and engine calls are counted
 * before and after); and the log, written at debug level meanwhile, holds no token and no error.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import Ajv2020 from "ajv/dist/2020";
import fc from "fast-check";
import { createLogger } from "../../../../automation/service/logger";
import { ADMIN, TestService, smallSpec, startService } from "../../../../support/serviceApp";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Seg = string | number;

interface Req {
  what: string;
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  token?: string | null;
  /** Where the answer's `field` must point (a prefix). */
  field: RegExp;
}

/** A schema with local `#/components/schemas/*` references resolved. */
function resolve(doc: any, s: any): any {
  return s && typeof s.$ref === "string" ? resolve(doc, doc.components.schemas[s.$ref.split("/").pop()]) : s;
}

/** Every sub-schema of an input (objects' properties, array items, union branches) with its path. */
function fields(doc: any, schema: any, path: Seg[], out: { path: Seg[]; schema: any }[] = []) {
  const s = resolve(doc, schema);
  if (!s || typeof s !== "object" || path.length > 8) return out;
  out.push({ path, schema: s });
  for (const [k, v] of Object.entries(s.properties ?? {})) fields(doc, v, [...path, k], out);
  if (s.items) fields(doc, s.items, [...path, 0], out);
  for (const b of s.anyOf ?? []) if (resolve(doc, b)?.properties) fields(doc, b, path, out);
  return out;
}

/** The JSON types a schema accepts (none known: empty). */
function types(s: any): Set<string> {
  const out = new Set<string>([].concat(s.type ?? []));
  for (const b of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) for (const t of types(b)) out.add(t);
  if (s.enum)
    for (const v of s.enum) out.add(v === null ? "null" : typeof v === "number" ? "number" : typeof v);
  return out;
}

function accepts(t: Set<string>, v: Json): boolean {
  if (v === null) return t.has("null");
  if (Array.isArray(v)) return t.has("array");
  if (typeof v === "number") return t.has("number") || (t.has("integer") && Number.isInteger(v));
  return t.has(typeof v);
}

const CANDIDATES: Json[] = [true, null, 1.5, 7, -3, "text", [], [1, 2], {}, { a: 1 }];
/** Keys that are not field names anywhere (and not token-shaped: the log check looks for tokens). */
const unknownKey = fc
  .string({ minLength: 1, maxLength: 12 })
  .map((k) => `x${k}`)
  .filter((k) => !/bsp[at]/.test(k));

/** Values the schema refuses (empty when none can be told without the cross-field rules). */
function badValues(s: any): fc.Arbitrary<Json>[] {
  const t = types(s);
  const out: fc.Arbitrary<Json>[] = [];
  const wrong = CANDIDATES.filter((v) => t.size > 0 && !accepts(t, v));
  if (wrong.length) out.push(fc.constantFrom(...wrong));
  if (t.has("string") && typeof s.maxLength === "number")
    out.push(fc.integer({ min: s.maxLength + 1, max: s.maxLength + 300 }).map((n) => "a".repeat(n)));
  if (t.has("string") && typeof s.pattern === "string") {
    const re = new RegExp(s.pattern, "u");
    out.push(fc.string({ unit: "grapheme", maxLength: 30 }).filter((v) => !re.test(v)));
  }
  if (Array.isArray(s.enum) && s.enum.every((v: unknown) => typeof v === "string"))
    out.push(fc.string({ maxLength: 20 }).filter((v) => !s.enum.includes(v)));
  if (t.has("integer") || t.has("number")) {
    if (typeof s.maximum === "number") out.push(fc.integer({ min: 1, max: 1e9 }).map((d) => s.maximum + d));
    if (typeof s.minimum === "number") out.push(fc.integer({ min: 1, max: 1e9 }).map((d) => s.minimum - d));
    if (t.has("integer") && !t.has("number"))
      out.push(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)));
  }
  if (t.has("array") && typeof s.maxItems === "number")
    out.push(
      fc.oneof(
        fc.array(fc.jsonValue({ maxDepth: 1 }), { minLength: s.maxItems + 1, maxLength: s.maxItems + 3 }),
        fc.constant(Array(10000).fill(s.items?.enum?.[0] ?? 1)),
      ) as fc.Arbitrary<Json>,
    );
  if (t.has("array") && s.minItems > 0) out.push(fc.constant([]));
  if (t.has("object") && s.additionalProperties === false)
    out.push(unknownKey.filter((k) => !Object.hasOwn(s.properties ?? {}, k)).map((k) => ({ [k]: 1 })));
  if (t.has("object") && Array.isArray(s.required) && s.required.length) out.push(fc.constant({}));
  return out;
}

/** `obj` with `value` at `path` (intermediate objects and arrays created). */
function setIn(obj: any, path: Seg[], value: unknown): any {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const base = obj ?? (typeof head === "number" ? [] : {});
  const copy = Array.isArray(base) ? [...base] : { ...base };
  copy[head as any] = setIn(base[head as any], rest, value);
  return copy;
}

/** A value the query parameter's schema refuses, as query text. */
function badQueryText(s: any): fc.Arbitrary<string> {
  const arbs: fc.Arbitrary<string>[] = [fc.constantFrom("", " ", "%20", "%00", "Infinity", "NaN")];
  if (s.type === "integer") {
    arbs.push(fc.constantFrom("-Infinity", "1e400", "0x10", "1e2", "+1", "-0", "1.0", "0b1", "1_0", "٣"));
    arbs.push(fc.constant("9".repeat(22)));
    arbs.push(
      fc
        .double({ noNaN: true })
        .filter((d) => !Number.isInteger(d))
        .map(String),
    );
    if (typeof s.maximum === "number")
      arbs.push(fc.integer({ min: 1, max: 1e6 }).map((d) => String(s.maximum + d)));
    if (typeof s.minimum === "number" && s.minimum > 0) arbs.push(fc.constant(String(s.minimum - 1)));
    arbs.push(
      fc
        .string({ maxLength: 10 })
        .filter((v) => !/^[0-9]+$/.test(v))
        .map(encodeURIComponent),
    );
  } else if (s.type === "boolean") {
    arbs.push(
      fc
        .string({ maxLength: 8 })
        .filter((v) => v !== "true" && v !== "false")
        .map(encodeURIComponent),
    );
  } else if (Array.isArray(s.enum)) {
    arbs.push(
      fc
        .string({ maxLength: 12 })
        .filter((v) => !s.enum.includes(v))
        .map(encodeURIComponent),
    );
  } else if (typeof s.pattern === "string") {
    const re = new RegExp(s.pattern, "u");
    arbs.push(
      fc
        .string({ unit: "grapheme", maxLength: 40 })
        .filter((v) => !re.test(v))
        .map(encodeURIComponent),
    );
  }
  return fc.oneof(...arbs).filter((v) => !/bsp[at]/i.test(v));
}

describe("service under hostile input generated from its OpenAPI document", function () {
  this.timeout(120000);
  const lines: string[] = [];
  let t: TestService;
  let acme: { token: string; op: string };

  before(async () => {
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    t = await startService({ delayMs: 2, logger: createLogger(sink, "debug") });
    const c = await t.req("POST", "/v1/tenants", { body: { name: "acme", spec: smallSpec() } });
    acme = { token: c.body.token, op: c.body.operation.id };
    await t.waitOp(acme.op);
  });
  after(async () => t?.close());

  it("answers every generated invalid request with a documented 4xx naming the field; creates nothing", async () => {
    const doc = (await t.req("GET", "/v1/openapi.json", { token: null })).body;
    const ajv = new Ajv2020({ strict: false });
    const checkError = ajv.compile(doc.components.schemas.Error);
    const validError = (x: unknown): boolean => checkError(x);
    const requests: Req[] = [];
    let seed = 2200;
    const sample = <T>(arb: fc.Arbitrary<T>, n: number) => fc.sample(arb, { numRuns: n, seed: seed++ });
    let fresh = 0;

    for (const [template, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const params: any[] = op.parameters ?? [];
        const good: Record<string, string> = { name: "acme", id: acme.op };
        const url = (values: Record<string, string>, query = "") =>
          template.replace(/\{(\w+)\}/g, (_m, p) => values[p]) + (query ? `?${query}` : "");
        const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
        const goodBody = () =>
          bodySchema
            ? template === "/v1/tenants"
              ? { name: `fz-${fresh++}`, spec: {} }
              : bodySchema.properties?.spec
                ? { spec: {} }
                : // Any other body: its required properties, each the first value its schema allows.
                  Object.fromEntries(
                    (bodySchema.required ?? []).map((k: string) => [k, bodySchema.properties[k].enum?.[0]]),
                  )
            : undefined;
        const where = `${method.toUpperCase()} ${template}`;

        // Path parameters.
        for (const p of params.filter((x) => x.in === "path")) {
          for (const v of sample(
            badValues(p.schema).length ? badQueryText(p.schema) : fc.constant("x"),
            12,
          )) {
            if (v === "" || v === "%20" || v === " ") continue; // another route (or a trailing slash)
            requests.push({
              what: `${where} path ${p.name}=${v}`,
              method: method.toUpperCase(),
              url: url({ ...good, [p.name]: v }),
              body: goodBody(),
              field: /^(params\.|path$)/,
            });
          }
        }
        // Query parameters: bad values, repeated, unknown.
        for (const p of params.filter((x) => x.in === "query")) {
          for (const v of sample(badQueryText(p.schema), 14))
            requests.push({
              what: `${where} query ${p.name}=${v}`,
              method: method.toUpperCase(),
              url: url(good, `${p.name}=${v}`),
              body: goodBody(),
              field: new RegExp(`^querystring\\.${p.name}$`),
            });
          requests.push({
            what: `${where} repeated ${p.name}`,
            method: method.toUpperCase(),
            url: url(good, `${p.name}=1&${p.name}=2`),
            body: goodBody(),
            field: new RegExp(`^querystring\\.${p.name}$`),
          });
        }
        for (const k of sample(
          unknownKey.filter((k) => !params.some((p) => p.name === k)),
          3,
        ))
          requests.push({
            what: `${where} unknown query ${k}`,
            method: method.toUpperCase(),
            url: url(good, `${encodeURIComponent(k)}=1`),
            body: goodBody(),
            field: /^querystring\./,
          });
        if (!bodySchema) {
          if (method !== "get")
            requests.push({
              what: `${where} with a body it does not take`,
              method: method.toUpperCase(),
              url: url(good),
              body: { spec: {} },
              field: /^body$/,
            });
          continue;
        }
        // Body fields, the tenant spec's included.
        for (const f of fields(doc, bodySchema, [])) {
          const arbs = badValues(f.schema);
          if (!arbs.length) continue;
          // Every wrong JSON type, then generated values of each kind the schema refuses.
          const t = types(f.schema);
          const wrongTypes = t.size ? CANDIDATES.filter((v) => !accepts(t, v)) : [];
          for (const v of [...wrongTypes, ...sample(fc.oneof(...arbs), 5)]) {
            // Sent as JSON text, so that a body that is a bare string or number is JSON too.
            requests.push({
              what: `${where} body.${f.path.join(".")} = ${JSON.stringify(v)?.slice(0, 80)}`,
              method: method.toUpperCase(),
              url: url(good),
              body: JSON.stringify(setIn(goodBody(), f.path, v)),
              headers: { "content-type": "application/json" },
              field: /^body/,
            });
          }
        }
        // Odd encodings and media types.
        const json = JSON.stringify(goodBody());
        for (const ct of [
          "application/json; charset=latin1",
          "application/json; charset=utf-16",
          "application/json; charset=utf-32be",
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/xml",
        ])
          requests.push({
            what: `${where} as ${ct}`,
            method: method.toUpperCase(),
            url: url(good),
            body: json,
            headers: { "content-type": ct },
            field: /^headers\.content-type$/,
          });
        for (const [enc, bytes] of [
          ["utf-16le", Buffer.from(json, "utf16le")],
          [
            "utf-16be with BOM",
            Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(json, "utf16le").swap16()]),
          ],
          ["latin-1", Buffer.from(json.replace("{", '{"é":1,'), "latin1")],
          [
            "a lone continuation byte",
            Buffer.concat([Buffer.from(json.slice(0, -1)), Buffer.from([0x80, 0x7d])]),
          ],
        ] as [string, Buffer][])
          requests.push({
            what: `${where} body in ${enc}`,
            method: method.toUpperCase(),
            url: url(good),
            body: bytes,
            headers: { "content-type": "application/json" },
            field: /^body/,
          });
      }
    }

    const count = async () => ({
      store: await t.svc.store.counts(),
      stacks: [...t.driver.stacks.keys()].sort(),
      engineCalls: t.driver.calls.length,
    });
    const before = await count();
    const statuses = new Map<number, number>();
    const pick = fc.sample(fc.integer({ min: 0, max: 7 }), { numRuns: requests.length, seed: 99 });
    for (const [i, r] of requests.entries()) {
      // Most with the admin token; some with the tenant's own token (its routes), a few with none.
      const token = pick[i] === 0 ? null : pick[i] === 1 && r.url.includes("acme") ? acme.token : ADMIN;
      const res: { status: number; body: any; text: string; headers: Record<string, any> } = await t.req(
        r.method,
        r.url,
        { body: r.body, headers: r.headers, token },
      );
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const what = `${r.what} (token ${token === null ? "none" : token === ADMIN ? "admin" : "tenant"}) → ${res.status} ${res.text.slice(0, 300)}`;
      assert.ok(res.status >= 400 && res.status < 500, what);
      assert.ok(validError(res.body), `${what}: ${JSON.stringify(checkError.errors)}`);
      assert.equal(res.body.statusCode, res.status, what);
      assert.match(String(res.headers["content-type"]), /^application\/json/, what);
      if (token === null && res.status === 401) continue; // authentication comes before anything is read
      assert.match(String(res.body.field), r.field, what);
    }
    assert.deepEqual(await count(), before, "nothing was created, changed or sent to the engine");
    assert.ok(requests.length > 1000, `${requests.length} requests`);
    console.log(
      `      ${requests.length} requests: ${[...statuses].map(([s, n]) => `${n}× ${s}`).join(", ")}`,
    );
    assert.ok((statuses.get(400) ?? 0) > requests.length / 2, JSON.stringify([...statuses]));

    const log = lines.join("");
    assert.ok(lines.length > requests.length, "every request was logged");
    for (const secret of [ADMIN, acme.token, ADMIN.slice(5), acme.token.split(".")[2]])
      assert.ok(!log.includes(secret), "a token is in the log");
    assert.deepEqual(
      log.match(/bsp[at]\.(?!\[redacted\])[^"\s]{8,}/g) ?? [],
      [],
      "token-shaped strings in the log",
    );
    const errors = lines.filter((l) => JSON.parse(l).level >= 50);
    assert.deepEqual(errors, [], "no request failed inside the service");
  });
});

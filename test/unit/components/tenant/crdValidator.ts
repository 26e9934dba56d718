/**
 * Structural validation of Cluster API / CAPV / IPAM / CloudNativePG objects against the CRDs in reference/crds (ajv).
 *
 * The CRD's openAPIV3Schema of the object's version is compiled with ajv (`strict: false`, so CEL rules and other
 * Kubernetes extensions are ignored), after two Kubernetes behaviours are made explicit:
 * - `x-kubernetes-int-or-string: true` accepts an integer or a string (a custom keyword);
 * - objects with `properties` and no `x-kubernetes-preserve-unknown-fields` reject unknown fields, as the API
 *   server does with strict field validation (catches misspelt fields instead of silently pruning them).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../../../../support/engine";

interface LoadedCrd {
  group: string;
  kind: string;
  versions: Map<string, ValidateFunction>;
}

function closeObjects(s: any): any {
  if (Array.isArray(s)) return s.map(closeObjects);
  if (s === null || typeof s !== "object") return s;
  const out: any = {};
  for (const [k, v] of Object.entries(s)) out[k] = closeObjects(v);
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    !out["x-kubernetes-preserve-unknown-fields"]
  ) {
    out.additionalProperties = false;
  }
  return out;
}

let ajv: Ajv | undefined;
function getAjv(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: "x-kubernetes-int-or-string",
    schemaType: "boolean",
    errors: false,
    validate: (on: boolean, data: unknown) =>
      !on || (typeof data === "number" && Number.isInteger(data)) || typeof data === "string",
  });
  return ajv;
}

const byKind = new Map<string, LoadedCrd>();

/** The CRD files of reference/crds and its folders (one per upstream project, e.g. cloudnative-pg/). */
function crdFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? crdFiles(path.join(dir, e.name))
        : e.name.endsWith(".yaml")
          ? [path.join(dir, e.name)]
          : [],
    );
}

/** Loads every CRD of reference/crds (and its folders) once. */
function loadCrds(): Map<string, LoadedCrd> {
  if (byKind.size) return byKind;
  for (const f of crdFiles(path.join(PROJECT_ROOT, "reference", "crds"))) {
    const crd = parse(fs.readFileSync(f, "utf8"));
    const versions = new Map<string, ValidateFunction>();
    for (const v of crd.spec.versions) {
      const spec = v.schema?.openAPIV3Schema?.properties?.spec;
      if (!spec) continue;
      versions.set(v.name, getAjv().compile(closeObjects(spec)));
    }
    byKind.set(`${crd.spec.group}/${crd.spec.names.kind}`, {
      group: crd.spec.group,
      kind: crd.spec.names.kind,
      versions,
    });
  }
  return byKind;
}

/**
 * Validates one object's `spec` against its CRD; returns the list of problems (empty when valid). Fails when no
 * CRD of that group/kind/version exists, so an object of an unknown kind can never pass.
 */
export function validateAgainstCrd(obj: { apiVersion: string; kind: string; spec?: unknown }): string[] {
  const [group, version] = obj.apiVersion.split("/");
  const crd = loadCrds().get(`${group}/${obj.kind}`);
  if (!crd) return [`no CRD for ${obj.apiVersion} ${obj.kind} in reference/crds`];
  const validate = crd.versions.get(version);
  if (!validate)
    return [
      `CRD ${group}/${obj.kind} has no version ${version} (has ${[...crd.versions.keys()].join(", ")})`,
    ];
  if (validate(obj.spec)) return [];
  return (validate.errors ?? []).map(
    (e) => `spec${e.instancePath} ${e.message}${e.params ? " " + JSON.stringify(e.params) : ""}`,
  );
}

/**
 * Loads the OPNsense API ground truth (opnsense/core 26.7.2 and 26.1.11, extracted from the PHP source; see
 * reference/opnsense-api-ground-truth.json). Used by the emulator and by the field checker test.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface GtField {
  type: string;
  base_type?: string;
  required?: boolean;
  default?: string;
  options?: string[];
  multiple?: boolean;
  as_list?: boolean;
  min?: string;
  max?: string;
  volatile?: boolean;
  /** ModelRelationField: the related model and items (`OPNsense.Wireguard.Server`, `servers.server`). */
  relation?: { source: string; items: string; display?: string }[];
}

export interface GtEndpoint {
  params: string[];
  params_detail: { name: string; required: boolean }[];
  method: string;
  defined_in: string;
  wrapper?: string;
  model_key?: string;
  subtree?: string[];
  post_keys?: string[];
  request_keys?: string[];
  paging_keys?: string[];
  extra_fields?: string[];
  wrapper_reads?: Record<string, string[]>;
  /** Array path inside the model ("" = model root). */
  path?: string;
  http: "GET" | "POST" | "GET or POST";
}

export interface GtVersion {
  endpoints: Record<string, GtEndpoint>;
  models: Record<string, Record<string, GtField>>;
}

const FILE = "opnsense-api-ground-truth.json";
let cache: { versions: Record<string, GtVersion> } | undefined;

/** The ground truth for a release series ("26.7" default, or "26.1"). */
export function groundTruth(version: "26.7" | "26.1" = "26.7"): GtVersion {
  if (!cache) {
    // The repository's reference/ folder, from providers/opnsense (source) or dist/providers/opnsense (compiled).
    const candidates = [
      path.join(__dirname, "..", "..", "reference", FILE),
      path.join(__dirname, "..", "..", "..", "reference", FILE),
    ];
    const file = candidates.find((c) => fs.existsSync(c));
    if (!file) throw new Error(`OPNsense ground truth not found (looked in ${candidates.join(", ")})`);
    cache = JSON.parse(fs.readFileSync(file, "utf8"));
  }
  return cache!.versions[version];
}

/** Effective base type of a field (`.\\FilterSequenceField` → `AutoNumberField`). */
export function baseType(f: GtField): string {
  return f.type.startsWith(".\\") ? (f.base_type ?? "TextField") : f.type;
}

/**
 * Identifiers the simulated vCenter hands out, in vSphere's formats (`vm-1234`, `group-v1234`, `dvportgroup-1234`,
 * `resgroup-1234`, BIOS UUIDs `42xxxxxx-…`, rule keys), derived from a seed (the resource's URN and what it is)
 * rather than a counter, so that the same program against the same vCenter gets the same ids. A candidate already
 * taken (by any object, live or deleted) is skipped for the next one derived from the same seed.
 */
import { createHash } from "node:crypto";
import { SimulatorError } from "./log";
import type { SimulatorStore } from "./store";

const MAX_ATTEMPTS = 1000;

function digest(seed: string, attempt: number): Buffer {
  return createHash("sha256").update(`${seed}#${attempt}`).digest();
}

function allocate(store: SimulatorStore, seed: string, make: (d: Buffer) => string): string {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const candidate = make(digest(seed, attempt));
    if (store.claim(candidate)) return candidate;
  }
  throw new SimulatorError(`no free identifier for ${seed} after ${MAX_ATTEMPTS} attempts`);
}

/** A managed object id `<prefix><1000..99999>`, e.g. prefix `vm-` → `vm-4821`, prefix `group-v` → `group-v1533`. */
export function allocateMoid(store: SimulatorStore, prefix: string, seed: string): string {
  return allocate(store, `${prefix}|${seed}`, (d) => `${prefix}${1000 + (d.readUInt32BE(0) % 99000)}`);
}

/** A VM BIOS UUID in vSphere's usual `42xxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` form. */
export function allocateUuid(store: SimulatorStore, seed: string, prefix = "42"): string {
  return allocate(store, `uuid|${seed}`, (d) => {
    const h = prefix + d.toString("hex").slice(prefix.length, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  });
}

/** A DRS rule key (a positive integer, unique in the cluster; claimed as `<cluster>:<key>`). */
export function allocateRuleKey(store: SimulatorStore, clusterId: string, seed: string): number {
  const id = allocate(store, `rule|${seed}`, (d) => `${clusterId}:${1 + (d.readUInt32BE(0) % 99999)}`);
  return Number(id.slice(clusterId.length + 1));
}

/** A vSphere tagging URN (`urn:vmomi:InventoryServiceTag:<uuid>:GLOBAL`). */
export function allocateTaggingUrn(store: SimulatorStore, what: "Tag" | "Category", seed: string): string {
  return allocate(store, `tagging|${what}|${seed}`, (d) => {
    const h = d.toString("hex");
    const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    return `urn:vmomi:InventoryService${what}:${uuid}:GLOBAL`;
  });
}

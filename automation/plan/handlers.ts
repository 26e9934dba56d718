/**
 * The registry of the mock inventory's answers: how each invoke token is answered and which extra outputs a mocked
 * resource type gets, plus the data types an inventory holds. The handlers of each area register here
 * (inventory.ts for vSphere, inventoryOci/Onprem/Tenant.ts for the others); inventory.ts imports them all, they
 * import only this file.
 */
import { createHash } from "node:crypto";

/** An answer to one invoke token. */
export type InvokeHandler = (args: Record<string, any>, inv: InventoryView) => Record<string, any>;
/** Extra outputs for a mocked resource of one type. */
export type StateHandler = (
  name: string,
  inputs: Record<string, any>,
  inv: InventoryView,
) => { id?: string; state?: Record<string, any> };

export interface VsphereHost {
  name: string;
  id: string;
  resourcePoolId: string;
}

/** The data an inventory holds. Tests may build a variant (e.g. 4 hosts) with {@link defaultInventory}. */
export interface InventoryData {
  datacenter: { name: string; id: string };
  computeCluster: { name: string; id: string; resourcePoolId: string };
  hosts: VsphereHost[];
  datastores: { name: string; id: string }[];
  distributedSwitch: { name: string; id: string; uuid: string; uplinks: string[] };
  networks: { name: string; id: string; type: string; vlanId?: number }[];
  templates: {
    name: string;
    id: string;
    uuid: string;
    guestId: string;
    firmware: string;
    diskSizeGb: number;
  }[];
  folders: { path: string; id: string }[];
  resourcePools: { name: string; id: string }[];
  /** Content libraries and their items (OVA/ISO/template), answered by getContentLibrary / getContentLibraryItem. */
  contentLibraries?: { name: string; id: string; items: { name: string; id: string; type: string }[] }[];
  /** Outputs the `onprem` stack publishes; tenant stacks read them through a StackReference. */
  stackOutputs: Record<string, Record<string, any>>;
  /** Names of the outputs a stack exports as secrets (a StackReference reports them as `secretOutputNames`). */
  stackSecretOutputNames?: Record<string, string[]>;
}

/** What a handler sees of the inventory it answers for. */
export interface InventoryView {
  readonly data: InventoryData;
}

const invokeHandlers = new Map<string, InvokeHandler>();
const stateHandlers = new Map<string, StateHandler>();

/** Registers how an invoke token is answered (providers call this for their functions). */
export function registerInvoke(token: string, handler: InvokeHandler): void {
  invokeHandlers.set(token, handler);
}

/** Registers extra outputs for a resource type token (e.g. an id format or a computed address). */
export function registerState(type: string, handler: StateHandler): void {
  stateHandlers.set(type, handler);
}

/** The handler registered for an invoke token, if any. */
export function invokeHandler(token: string): InvokeHandler | undefined {
  return invokeHandlers.get(token);
}

/** The handler registered for a resource type token, if any. */
export function stateHandler(type: string): StateHandler | undefined {
  return stateHandlers.get(type);
}

/**
 * A deterministic number in [0, size) derived from a seed (the resource's kind and name): the fake object ids
 * (`vm-1234`, `dvportgroup-3456`) of an offline plan come from what the resource is, never from the order it was
 * created in, so adding, removing or reordering one resource never changes another one's planned values.
 */
export function serialOf(seed: string, size: number): number {
  return createHash("sha256").update(seed).digest().readUInt32BE(0) % size;
}

/** A deterministic UUID-like value derived from a seed. */
export function fakeUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

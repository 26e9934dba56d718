/**
 * The dynamic provider objects. Pulumi serializes each one (function serialization) into the state and runs
 * it in a separate node process, so they hold nothing but two strings — the kind and the absolute path of
 * the compiled dispatch module, which they `require` at run time. No client, no secret is captured.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";

/** Absolute path of dispatch.js beside this file (dist/providers/opnsense/dispatch.js once compiled). */
export const DISPATCH_MODULE: string = path.join(__dirname, "dispatch");

const cache = new Map<string, pulumi.dynamic.ResourceProvider>();

/** The (cached) provider for one kind; its methods load dispatch.js lazily. */
export function providerFor(kind: string): pulumi.dynamic.ResourceProvider {
  let p = cache.get(kind);
  if (!p) {
    p = makeProvider(kind, DISPATCH_MODULE);
    cache.set(kind, p);
  }
  return p;
}

function makeProvider(kind: string, modulePath: string): pulumi.dynamic.ResourceProvider {
  return {
    check: async (olds: any, news: any) => require(modulePath).check(kind, olds, news),
    diff: async (id: string, olds: any, news: any) => require(modulePath).diff(kind, id, olds, news),
    create: async (inputs: any) => require(modulePath).create(kind, inputs),
    read: async (id: string, props: any) => require(modulePath).read(kind, id, props),
    update: async (id: string, olds: any, news: any) => require(modulePath).update(kind, id, olds, news),
    delete: async (id: string, props: any) => require(modulePath).remove(kind, id, props),
  };
}

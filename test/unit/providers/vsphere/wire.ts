/**
 * Test helper for the vSphere binding tests: records the provider plugin version each resource registration, read and
 * invoke asks the engine for (the `version` field of RegisterResourceRequest / ResourceInvokeRequest), which
 * the shared harness does not keep.
 */
import * as pulumi from "@pulumi/pulumi";

export interface WireVersions {
  /** `type::name` → requested plugin version, per registered resource. */
  resources: Map<string, string>;
  /** `type::name` → requested plugin version, per read of an existing resource (`X.get(...)`). */
  reads: Map<string, string>;
  /** Invoke token and requested plugin version, in call order. */
  invokes: { token: string; version: string }[];
  /** Removes the recording wrappers. */
  restore(): void;
}

/** Wraps the mock monitor so that requested plugin versions are recorded until `restore()`. */
export function recordWireVersions(): WireVersions {
  const monitor: any = pulumi.runtime.getMonitor();
  const origRegister = monitor.registerResource;
  const origInvoke = monitor.invoke;
  const origRead = monitor.readResource;
  const rec: WireVersions = {
    resources: new Map(),
    reads: new Map(),
    invokes: [],
    restore() {
      monitor.registerResource = origRegister;
      monitor.invoke = origInvoke;
      monitor.readResource = origRead;
    },
  };
  monitor.registerResource = (req: any, cb: any) => {
    rec.resources.set(`${req.getType()}::${req.getName()}`, req.getVersion());
    return origRegister(req, cb);
  };
  monitor.readResource = (req: any, cb: any) => {
    rec.reads.set(`${req.getType()}::${req.getName()}`, req.getVersion());
    return origRead(req, cb);
  };
  monitor.invoke = (req: any, cb: any) => {
    rec.invokes.push({ token: req.getTok(), version: req.getVersion() });
    return origInvoke(req, cb);
  };
  return rec;
}

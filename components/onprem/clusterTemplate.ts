/**
 * The Omni cluster template of the management cluster (`omnictl cluster template sync`), the machine classes it
 * selects machines with, and a structural validation of templates in TypeScript (the same rules
 * `omnictl cluster template validate` enforces that matter here). Machines are chosen by label through machine
 * classes, never by UUID (vSphere BIOS UUIDs may appear byte-swapped in Talos).
 */
import { parseAllDocuments, stringify } from "yaml";
import { Tier } from "./tiers";
import { validateLabels } from "./machineLabels";

/** Label keys Basphere puts on Omni machines and Kubernetes nodes. */
export const LABEL_CLUSTER = "basphere.io/cluster";
export const LABEL_TIER = "basphere.io/tier";
/** The LB tier's taint (and the conventional role label kubectl shows). */
export const LB_TAINT_KEY = "node-role.kubernetes.io/lb";

/** Node placement helpers for workloads (Helm values). */
export const WORKER_NODE_SELECTOR = { [LABEL_TIER]: "worker" } as const;
export const LB_NODE_SELECTOR = { [LABEL_TIER]: "lb" } as const;
export const LB_TOLERATION = { key: LB_TAINT_KEY, operator: "Exists", effect: "NoSchedule" } as const;
/** The LB taint as KubeletConfiguration `registerWithTaints` takes it (a core/v1 Taint). */
export const LB_REGISTER_TAINT = { key: LB_TAINT_KEY, value: "true", effect: "NoSchedule" } as const;

/** Input of {@link renderClusterTemplate}. */
export interface ClusterTemplateArgs {
  /** Omni cluster name (letters, digits, `-`, `_`). */
  name: string;
  /** Kubernetes version, `vA.B.C`. */
  kubernetesVersion: string;
  /** Talos version, `vA.B.C`. */
  talosVersion: string;
  controlPlaneCount: number;
  lbCount: number;
  workerCount: number;
  /** MTU of the node NICs. Default 1500. */
  mtu?: number;
  /** DNS servers; default: from DHCP. */
  nameservers?: string[];
  /** NTP servers; default: Talos's. */
  ntpServers?: string[];
  /** Pod CIDRs; default: Talos's (10.244.0.0/16). */
  podSubnets?: string[];
  /** Service CIDRs; default: Talos's (10.96.0.0/12). */
  serviceSubnets?: string[];
  /** Omni etcd backup interval (Go duration); default 1h, "0" disables. */
  backupInterval?: string;
}

/** Name of the machine class of a tier. */
export function machineClassName(cluster: string, tier: Tier): string {
  return `${cluster}-${tier}`;
}

/** Omni labels of a machine of a tier (what the machine classes select on). */
export function machineLabelsFor(cluster: string, tier: Tier): Record<string, string> {
  return { [LABEL_CLUSTER]: cluster, [LABEL_TIER]: tier };
}

/**
 * Machine classes, one per tier, selecting machines by the labels of {@link machineLabelsFor}. Resource shape as
 * `omnictl apply` takes it (`metadata.{namespace: default, type: MachineClasses.omni.sidero.dev, id}`,
 * siderolabs/omni-infra-provider-vsphere examples/machineclass.yaml); the label-selector field is the proto's
 * `match_labels` (repeated string), which Omni's YAML prints lower-cased as `matchlabels`, like `providerid` in the
 * same example. Each entry is one selector whose comma-separated terms must all match.
 */
export function renderMachineClasses(cluster: string): string {
  const tiers: Tier[] = ["controlplane", "lb", "worker"];
  return tiers
    .map((tier) => {
      const labels = machineLabelsFor(cluster, tier);
      validateLabels(labels, `machine class ${tier}`);
      const selector = Object.entries(labels)
        .map(([k, v]) => `${k} = ${v}`)
        .join(", ");
      return stringify(
        {
          metadata: {
            namespace: "default",
            type: "MachineClasses.omni.sidero.dev",
            id: machineClassName(cluster, tier),
          },
          spec: { matchlabels: [selector] },
        },
        { lineWidth: 0 },
      );
    })
    .join("---\n");
}

/** Renders the template: Cluster, ControlPlane, Workers `lb`, Workers `workers` (if any). */
export function renderClusterTemplate(a: ClusterTemplateArgs): string {
  // Legacy v1alpha1 network block (still accepted by Talos 1.11): `interfaces[].deviceSelector` picks the NIC(s) by
  // property instead of by name, so the same patch fits every VM (vmxnet3 NIC names may differ).
  const machine: Record<string, unknown> = {
    network: {
      interfaces: [{ deviceSelector: { physical: true }, dhcp: true, mtu: a.mtu ?? 1500 }],
      ...(a.nameservers?.length ? { nameservers: a.nameservers } : {}),
    },
    ...(a.ntpServers?.length ? { time: { servers: a.ntpServers } } : {}),
  };
  const clusterNet: Record<string, unknown> = {
    ...(a.podSubnets?.length ? { podSubnets: a.podSubnets } : {}),
    ...(a.serviceSubnets?.length ? { serviceSubnets: a.serviceSubnets } : {}),
  };
  const networkPatch = {
    machine,
    ...(Object.keys(clusterNet).length ? { cluster: { network: clusterNet } } : {}),
  };
  const tierPatch = (tier: Tier, extra: Record<string, unknown> = {}) => ({
    name: `basphere-tier-${tier}`,
    inline: { machine: { nodeLabels: { [LABEL_TIER]: tier }, ...extra } },
  });
  const docs: Record<string, unknown>[] = [
    {
      kind: "Cluster",
      name: a.name,
      labels: { [LABEL_CLUSTER]: a.name, "basphere.io/role": "management" },
      kubernetes: { version: a.kubernetesVersion },
      talos: { version: a.talosVersion },
      features: { backupConfiguration: { interval: a.backupInterval ?? "1h" } },
      patches: [{ name: "basphere-network", inline: networkPatch }],
    },
    {
      kind: "ControlPlane",
      machineClass: { name: machineClassName(a.name, "controlplane"), size: a.controlPlaneCount },
      patches: [tierPatch("controlplane")],
    },
    {
      kind: "Workers",
      name: "lb",
      machineClass: { name: machineClassName(a.name, "lb"), size: a.lbCount },
      // Only load-balancer workloads (which tolerate the taint) run here. The taint goes in the kubelet's
      // registerWithTaints (applied when the node registers), not in machine.nodeTaints: Talos applies nodeTaints
      // with the kubelet's credentials after registration, which NodeRestriction refuses on worker nodes
      // (siderolabs/talos v1alpha1 config doc of `nodeTaints`: "worker nodes are not allowed to modify the
      // taints"). The post-sync kubectl step taints the LB nodes again with admin credentials (idempotent).
      // The node-role label cannot be set through machine.nodeLabels either (NodeRestriction forbids kubelets
      // node-role.kubernetes.io/*; docs.siderolabs.com "Node Labels and Node Taints"), so Basphere selects on
      // basphere.io/tier and adds the role label with kubectl after the cluster is up.
      patches: [tierPatch("lb", { kubelet: { extraConfig: { registerWithTaints: [LB_REGISTER_TAINT] } } })],
    },
  ];
  if (a.workerCount > 0) {
    docs.push({
      kind: "Workers",
      name: "workers",
      machineClass: { name: machineClassName(a.name, "worker"), size: a.workerCount },
      patches: [tierPatch("worker")],
    });
  }
  const text = docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
  const problems = validateClusterTemplate(text);
  if (problems.length) throw new Error(`invalid Omni cluster template: ${problems.join("; ")}`);
  return text;
}

const VERSION = /^v\d+\.\d+\.\d+$/;
const CLUSTER_NAME = /^[A-Za-z0-9_-]+$/;

function checkMachineSet(doc: Record<string, any>, where: string, out: string[]): void {
  const hasMachines = doc.machines !== undefined;
  const hasClass = doc.machineClass !== undefined;
  if (hasMachines && hasClass) out.push(`${where}: machines and machineClass are mutually exclusive`);
  if (hasClass) {
    const mc = doc.machineClass;
    if (typeof mc?.name !== "string" || !mc.name) out.push(`${where}: machineClass.name is required`);
    const size = mc?.size;
    const ok =
      (typeof size === "number" && Number.isInteger(size) && size >= 0) ||
      size === "unlimited" ||
      size === "infinity";
    if (!ok)
      out.push(
        `${where}: machineClass.size must be a non-negative integer (or unlimited), got ${JSON.stringify(size)}`,
      );
    if (doc.kernelArgs !== undefined) out.push(`${where}: kernelArgs are rejected when machineClass is used`);
  }
  if (hasMachines && !Array.isArray(doc.machines))
    out.push(`${where}: machines must be a list of machine UUIDs`);
  for (const [i, p] of (Array.isArray(doc.patches) ? doc.patches : []).entries()) {
    if (p?.inline !== undefined && !p.name && !p.idOverride)
      out.push(`${where}: patches[${i}] (inline) needs a name`);
    if (p?.inline === undefined && p?.file === undefined)
      out.push(`${where}: patches[${i}] needs inline or file`);
  }
  if (doc.patches !== undefined && !Array.isArray(doc.patches)) out.push(`${where}: patches must be a list`);
}

/**
 * Structural validation of an Omni cluster template (multi-document YAML). Returns the problems found (empty when
 * valid): exactly one Cluster and one ControlPlane, unique Workers names, versions `vA.B.C`, odd control-plane size,
 * machines/machineClass exclusive, named inline patches.
 */
export function validateClusterTemplate(text: string): string[] {
  const out: string[] = [];
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return ["not a YAML document stream"];
  const values: Record<string, any>[] = [];
  docs.forEach((d, i) => {
    if (d.errors.length) out.push(`document ${i + 1}: ${d.errors[0].message.split("\n")[0]}`);
    else values.push(d.toJS());
  });
  if (out.length) return out;
  const kinds = values.map((v) => v?.kind);
  const count = (k: string) => kinds.filter((x) => x === k).length;
  if (count("Cluster") !== 1) out.push(`expected exactly one Cluster document, found ${count("Cluster")}`);
  if (count("ControlPlane") !== 1)
    out.push(`expected exactly one ControlPlane document, found ${count("ControlPlane")}`);
  const workerNames = new Set<string>();
  const referenced = new Set<string>();
  values.forEach((doc, i) => {
    const where = `document ${i + 1} (${doc?.kind ?? "no kind"})`;
    switch (doc?.kind) {
      case "Cluster":
        if (typeof doc.name !== "string" || !CLUSTER_NAME.test(doc.name))
          out.push(`${where}: name must use letters, digits, - and _`);
        if (!VERSION.test(String(doc.kubernetes?.version ?? "")))
          out.push(`${where}: kubernetes.version must look like v1.34.2`);
        if (!VERSION.test(String(doc.talos?.version ?? "")))
          out.push(`${where}: talos.version must look like v1.11.5`);
        checkMachineSet({ patches: doc.patches }, where, out);
        break;
      case "ControlPlane": {
        checkMachineSet(doc, where, out);
        const n = doc.machineClass?.size ?? (Array.isArray(doc.machines) ? doc.machines.length : undefined);
        if (typeof n === "number" && n % 2 === 0)
          out.push(`${where}: control plane size must be odd (1, 3 or 5), got ${n}`);
        if (!doc.machineClass && !doc.machines) out.push(`${where}: needs machines or machineClass`);
        (doc.machines ?? []).forEach((m: string) => referenced.add(m));
        break;
      }
      case "Workers": {
        const name = doc.name ?? "workers";
        if (name === "control-planes") out.push(`${where}: name must not be control-planes`);
        if (workerNames.has(name)) out.push(`${where}: duplicate Workers name ${name}`);
        workerNames.add(name);
        checkMachineSet(doc, where, out);
        if (!doc.machineClass && !doc.machines) out.push(`${where}: needs machines or machineClass`);
        (doc.machines ?? []).forEach((m: string) => referenced.add(m));
        break;
      }
      case "Machine":
        if (
          !referenced.has(doc.name) &&
          !values.some((v) => Array.isArray(v?.machines) && v.machines.includes(doc.name))
        ) {
          out.push(`${where}: machine ${doc.name} is not referenced by a ControlPlane or Workers document`);
        }
        break;
      default:
        out.push(`${where}: unknown kind`);
    }
  });
  return out;
}

/**
 * `vsphere:index/virtualMachine:VirtualMachine`: a VM, cloned from a template (or VM) of the inventory or created
 * bare. What vCenter and the provider check is checked (see {@link checkVm}): sizes (vCPUs, cores per socket,
 * memory in 4 MB steps, host capacity), choices and ranges of the Terraform schema, NICs and disks (at least one of
 * each, unique labels and unit numbers, VMware's static MAC range), the placement (resource pool, datastore, host
 * in the pool's cluster, folder), the clone (the template exists, the guest ID matches it, disks are not smaller
 * than its disks, a customization fits its guest family and NICs), names unique in a folder, no disk shrinking and
 * no hardware downgrade on update. A change in `clone` (except `clone.timeout`) forces a new VM, as the provider's
 * CustomizeDiff does.
 *
 * The VM's id is its BIOS UUID; `moid` is `vm-<n>`. It reports the static IPv4 addresses of its clone
 * customization as `defaultIpAddress`/`guestIpAddresses` (none without customization, like vcsim), runs powered on,
 * and leaves every DRS group and rule it was in when it is deleted.
 */
import { createHash } from "node:crypto";
import { allocateMoid, allocateUuid } from "../ids";
import { SimulatorError } from "../log";
import { folderNamespace, normalizePath } from "../model";
import { ObjectSpec, PropSpec, planProps } from "../propertySpec";
import type { SimObject } from "../store";
import { Props, deepEqual, isObject, unwrap } from "../values";
import {
  Fail,
  ResourceHandler,
  SimContext,
  between,
  known,
  knownNumber,
  oneOf,
  rejectCustomAttributes,
  throwFail,
} from "./handler";
import { checkTags } from "./tagging";

const computed: PropSpec = { computed: true };

const diskFields: ObjectSpec = {
  label: {},
  size: {},
  datastoreId: computed,
  path: computed,
  diskMode: { default: "persistent" },
  eagerlyScrub: { default: false },
  diskSharing: { default: "sharingNone" },
  thinProvisioned: { default: true },
  writeThrough: { default: false },
  uuid: computed,
  ioLimit: { default: -1 },
  ioReservation: { default: 0 },
  ioShareLevel: { default: "normal" },
  ioShareCount: { default: 0 },
  unitNumber: { default: 0 },
  keepOnRemove: { default: false },
  attach: { default: false },
  storagePolicyId: computed,
  controllerType: { default: "scsi" },
  key: computed,
  deviceAddress: computed,
};

const nicFields: ObjectSpec = {
  networkId: {},
  adapterType: { default: "vmxnet3" },
  bandwidthLimit: { default: -1 },
  bandwidthReservation: { default: 0 },
  bandwidthShareLevel: { default: "normal" },
  bandwidthShareCount: computed,
  macAddress: computed,
  key: computed,
  deviceAddress: computed,
};

const cloneFields: ObjectSpec = {
  timeout: { default: 30 },
  customize: { fields: { timeout: { default: 10 } } },
};

/** The Terraform schema's defaults and computed properties of the VM. */
export const vmSpec: ObjectSpec = {
  annotation: computed,
  bootRetryDelay: { default: 10000 },
  cpuLimit: { default: -1 },
  cpuShareLevel: { default: "normal" },
  cpuShareCount: computed,
  memoryLimit: { default: -1 },
  memoryShareLevel: { default: "normal" },
  memoryShareCount: computed,
  datastoreId: computed,
  hostSystemId: computed,
  guestId: computed,
  hvMode: computed,
  eptRviMode: computed,
  hardwareVersion: computed,
  storagePolicyId: computed,
  disks: { computed: true, fields: diskFields },
  networkInterfaces: { fields: nicFields },
  clone: { fields: cloneFields },
  extraConfigRebootRequired: { default: true },
  firmware: { default: "bios" },
  folder: { normalize: normalizePath },
  forcePowerOff: { default: true },
  ideControllerCount: { default: 2 },
  latencySensitivity: { default: "normal" },
  memory: { default: 1024 },
  migrateWaitTimeout: { default: 30 },
  numCoresPerSocket: { default: 1 },
  numCpus: { default: 1 },
  nvmeControllerCount: { default: 0 },
  pciDeviceIds: { set: true },
  poweronTimeout: { default: 300 },
  runToolsScriptsAfterPowerOn: { default: true },
  runToolsScriptsAfterResume: { default: true },
  runToolsScriptsBeforeGuestShutdown: { default: true },
  runToolsScriptsBeforeGuestStandby: { default: true },
  sataControllerCount: { default: 0 },
  scsiBusSharing: { default: "noSharing" },
  scsiControllerCount: { default: 1 },
  scsiType: { default: "pvscsi" },
  shutdownWaitTimeout: { default: 3 },
  swapPlacementPolicy: { default: "inherit" },
  syncTimeWithHost: { default: true },
  tags: { set: true },
  toolsUpgradePolicy: { default: "manual" },
  waitForGuestIpTimeout: { default: 0 },
  waitForGuestNetRoutable: { default: true },
  waitForGuestNetTimeout: { default: 5 },
};

/** vSAN's default storage policy (the policy of a VM on a vSAN datastore). */
export const VSAN_DEFAULT_POLICY = "aa6d5a82-1c88-45da-85d3-3d74b91a5bad";
const SHARES_PER_UNIT = { low: 500, normal: 1000, high: 2000 } as const;
const MEMORY_SHARES_PER_MB = { low: 5, normal: 10, high: 20 } as const;
const NIC_SHARES = { low: 25, normal: 50, high: 100 } as const;
const ADAPTERS = ["e1000", "e1000e", "vmxnet3", "vmxnet3vrdma", "sriov"];
const LEVELS = ["low", "normal", "high", "custom"];
/** vSphere hardware limits (hardware version 19–21). */
const MAX_NICS = 10;
const MAX_VCPUS = 768;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
const HOSTNAME = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** The guest OS family vSphere gives a guest ID. */
export function guestFamilyOf(guestId: string): "linuxGuest" | "windowsGuest" | "otherGuestFamily" {
  if (/^win/i.test(guestId)) return "windowsGuest";
  if (
    /(linux|ubuntu|debian|rhel|centos|sles|oracle|fedora|photon|coreos|asianux|rocky|alma|amazonlinux)/i.test(
      guestId,
    )
  )
    return "linuxGuest";
  return "otherGuestFamily";
}

function list(v: unknown): Props[] {
  return Array.isArray(v) ? (v.filter(isObject) as Props[]) : [];
}

/** The template a clone comes from, when its UUID is known and found. */
function sourceOf(ctx: SimContext, inputs: Props): SimObject | undefined {
  const clone = isObject(inputs.clone) ? inputs.clone : undefined;
  return clone && known(clone.templateUuid) ? ctx.model.vmByUuid(clone.templateUuid) : undefined;
}

function checkSizes(inputs: Props, fail: Fail): void {
  if (known(inputs.name) && (inputs.name.length < 1 || inputs.name.length > 80))
    fail("name", `expected length of name to be in the range (1 - 80), got ${inputs.name}`);
  const cpus = inputs.numCpus ?? 1;
  const cores = inputs.numCoresPerSocket ?? 1;
  between(fail, "numCpus", inputs.numCpus, 1, MAX_VCPUS);
  between(fail, "numCoresPerSocket", inputs.numCoresPerSocket, 1, MAX_VCPUS);
  if (knownNumber(cpus) && knownNumber(cores) && cores >= 1 && cpus % cores !== 0)
    fail("numCpus", `num_cpus (${cpus}) must be evenly divisible by num_cores_per_socket (${cores})`);
  const memory = inputs.memory;
  if (knownNumber(memory) && (memory < 4 || memory % 4 !== 0))
    fail("memory", `memory must be a multiple of 4 MB and at least 4 MB, got ${memory}`);
  const reservation = inputs.memoryReservation;
  if (knownNumber(reservation) && knownNumber(memory ?? 1024) && reservation > Number(memory ?? 1024))
    fail(
      "memoryReservation",
      `memory reservation ${reservation} exceeds the VM's memory ${Number(memory ?? 1024)}`,
    );
  between(fail, "hardwareVersion", inputs.hardwareVersion, 4, 21);
  between(fail, "shutdownWaitTimeout", inputs.shutdownWaitTimeout, 1, 10);
  between(fail, "migrateWaitTimeout", inputs.migrateWaitTimeout, 10, 2 ** 31 - 1);
  between(fail, "poweronTimeout", inputs.poweronTimeout, 300, 2 ** 31 - 1);
  between(fail, "sataControllerCount", inputs.sataControllerCount, 0, 4);
  between(fail, "ideControllerCount", inputs.ideControllerCount, 1, 2);
  between(fail, "scsiControllerCount", inputs.scsiControllerCount, 0, 4);
  between(fail, "nvmeControllerCount", inputs.nvmeControllerCount, 0, 4);
  between(fail, "cpuLimit", inputs.cpuLimit, -1, 2 ** 53);
  between(fail, "memoryLimit", inputs.memoryLimit, -1, 2 ** 53);
  between(fail, "cpuReservation", inputs.cpuReservation, 0, 2 ** 53);
  between(fail, "memoryReservation", inputs.memoryReservation, 0, 2 ** 53);
  between(fail, "cpuShareCount", inputs.cpuShareCount, 0, 2 ** 31 - 1);
  between(fail, "memoryShareCount", inputs.memoryShareCount, 0, 2 ** 31 - 1);
}

function checkChoices(inputs: Props, fail: Fail): void {
  oneOf(fail, "firmware", inputs.firmware, ["bios", "efi"]);
  oneOf(fail, "scsiType", inputs.scsiType, ["lsilogic", "lsilogic-sas", "pvscsi"]);
  oneOf(fail, "scsiBusSharing", inputs.scsiBusSharing, ["physicalSharing", "virtualSharing", "noSharing"]);
  oneOf(fail, "swapPlacementPolicy", inputs.swapPlacementPolicy, ["inherit", "hostLocal", "vmDirectory"]);
  oneOf(fail, "latencySensitivity", inputs.latencySensitivity, ["low", "normal", "medium", "high"]);
  oneOf(fail, "toolsUpgradePolicy", inputs.toolsUpgradePolicy, ["manual", "upgradeAtPowerCycle"]);
  oneOf(fail, "cpuShareLevel", inputs.cpuShareLevel, LEVELS);
  oneOf(fail, "memoryShareLevel", inputs.memoryShareLevel, LEVELS);
  oneOf(fail, "hvMode", inputs.hvMode, ["hvAuto", "hvOn", "hvOff"]);
  oneOf(fail, "eptRviMode", inputs.eptRviMode, ["automatic", "on", "off"]);
  const firmware = inputs.firmware ?? "bios";
  if (known(firmware) && firmware !== "efi") {
    if (inputs.efiSecureBootEnabled === true)
      fail("efiSecureBootEnabled", "secure boot requires firmware efi");
    if (inputs.vtpm !== undefined) fail("vtpm", "a virtual TPM requires firmware efi");
  }
}

function checkNics(ctx: SimContext, inputs: Props, fail: Fail): void {
  const given = inputs.networkInterfaces;
  if (inputs.ovfDeploy === undefined && (given === undefined || (Array.isArray(given) && given.length === 0)))
    fail("networkInterfaces", "network_interface parameter is required when not deploying from ovf template");
  const nics = list(inputs.networkInterfaces);
  if (nics.length > MAX_NICS)
    fail("networkInterfaces", `a VM has at most ${MAX_NICS} network adapters, got ${nics.length}`);
  nics.forEach((n, i) => {
    const at = `networkInterfaces[${i}]`;
    oneOf(fail, `${at}.adapterType`, n.adapterType, ADAPTERS);
    oneOf(fail, `${at}.bandwidthShareLevel`, n.bandwidthShareLevel, LEVELS);
    between(fail, `${at}.bandwidthLimit`, n.bandwidthLimit, -1, 2 ** 53);
    between(fail, `${at}.bandwidthReservation`, n.bandwidthReservation, 0, 2 ** 53);
    if (n.useStaticMac === true && n.macAddress === undefined)
      fail(`${at}.macAddress`, "use_static_mac requires mac_address to be set");
    if (known(n.macAddress)) {
      if (!MAC.test(n.macAddress)) fail(`${at}.macAddress`, `${n.macAddress} is not a MAC address`);
      else if (n.useStaticMac === true && n.macAddress.toLowerCase().startsWith("00:50:56:")) {
        const fourth = parseInt(n.macAddress.slice(9, 11), 16);
        if (fourth > 0x3f)
          fail(
            `${at}.macAddress`,
            `static MAC address ${n.macAddress} is outside VMware's static range 00:50:56:00:00:00-00:50:56:3F:FF:FF`,
          );
      }
    }
    if (known(n.networkId)) {
      const net = ctx.model.byId(n.networkId, "DistributedPortGroup", "Network");
      if (!net) fail(`${at}.networkId`, `network '${n.networkId}' not found`);
      else if (net.meta.uplink)
        fail(`${at}.networkId`, `network ${net.name} is an uplink port group: VMs cannot connect to it`);
    }
  });
}

function checkDisks(inputs: Props, fail: Fail): void {
  const disks = list(inputs.disks);
  if (
    inputs.ovfDeploy === undefined &&
    (inputs.disks === undefined || (Array.isArray(inputs.disks) && disks.length === 0))
  )
    fail("disks", "there must be at least one disk specified");
  if (disks.length > 60) fail("disks", `a VM has at most 60 disks, got ${disks.length}`);
  const labels = new Set<string>();
  const units = new Map<string, Set<number>>();
  let unitZero = false;
  disks.forEach((d, i) => {
    const at = `disks[${i}]`;
    if (known(d.label)) {
      if (labels.has(d.label)) fail(`${at}.label`, `disk: duplicate name ${d.label}`);
      labels.add(d.label);
      if (d.label.startsWith("orphaned_disk_"))
        fail(`${at}.label`, `disk label "${d.label}" cannot start with "orphaned_disk_"`);
    }
    if (d.attach !== true && d.size === undefined)
      fail(`${at}.size`, `disk.${i}: size is required when not attaching`);
    between(fail, `${at}.size`, d.size, 1, 62 * 1024);
    between(fail, `${at}.unitNumber`, d.unitNumber, 0, 59);
    oneOf(fail, `${at}.controllerType`, d.controllerType, ["scsi", "sata", "ide", "nvme"]);
    oneOf(fail, `${at}.diskMode`, d.diskMode, [
      "persistent",
      "nonpersistent",
      "undoable",
      "independent_persistent",
      "independent_nonpersistent",
      "append",
    ]);
    oneOf(fail, `${at}.diskSharing`, d.diskSharing, ["sharingMultiWriter", "sharingNone"]);
    oneOf(fail, `${at}.ioShareLevel`, d.ioShareLevel, LEVELS);
    if ((d.thinProvisioned ?? true) === true && d.eagerlyScrub === true)
      fail(`${at}.eagerlyScrub`, `disk.${i}: thin_provisioned and eagerly_scrub cannot both be true`);
    const controller = known(d.controllerType) ? d.controllerType : "scsi";
    const unit = knownNumber(d.unitNumber) ? d.unitNumber : 0;
    const used = units.get(controller) ?? new Set<number>();
    if (used.has(unit))
      fail(`${at}.unitNumber`, `disk: duplicate ${controller.toUpperCase()} unit_number ${unit}`);
    used.add(unit);
    units.set(controller, used);
    if ((controller === "ide" && unit === 1) || (controller !== "ide" && unit === 0)) unitZero = true;
  });
  if (disks.length > 0 && !unitZero)
    fail("disks", "at least one disk must have a unit_number of 0 for SATA, SCSI, NVMe or 1 for IDE");
}

function checkPlacement(ctx: SimContext, inputs: Props, fail: Fail): void {
  if (inputs.datacenterId !== undefined && inputs.ovfDeploy === undefined)
    fail("datacenterId", "data center id is to be set only when deploying from ovf");
  if (inputs.ovfDeploy !== undefined)
    fail(
      "ovfDeploy",
      "ovf_deploy is not supported by the vSphere provider simulator (it reads no OVF/OVA source)",
    );
  if (inputs.datastoreId === undefined && inputs.datastoreClusterId === undefined)
    fail("datastoreId", "one of datastore_id datastore_cluster_id must be specified");
  if (inputs.datastoreId !== undefined && inputs.datastoreClusterId !== undefined)
    fail("datastoreClusterId", '"datastore_cluster_id": conflicts with datastore_id');
  if (known(inputs.datastoreClusterId))
    fail(
      "datastoreClusterId",
      `error fetching datastore cluster: storage pod '${inputs.datastoreClusterId}' not found`,
    );
  if (known(inputs.datastoreId) && !ctx.store.get(inputs.datastoreId, "Datastore"))
    fail("datastoreId", `error locating datastore for VM: datastore '${inputs.datastoreId}' not found`);
  const pool = known(inputs.resourcePoolId)
    ? ctx.store.get(inputs.resourcePoolId, "ResourcePool")
    : undefined;
  if (known(inputs.resourcePoolId) && !pool)
    fail(
      "resourcePoolId",
      `could not find resource pool ID "${inputs.resourcePoolId}": resource pool '${inputs.resourcePoolId}' not found`,
    );
  if (known(inputs.hostSystemId)) {
    const host = ctx.store.get(inputs.hostSystemId, "HostSystem");
    if (!host)
      fail(
        "hostSystemId",
        `error locating host system at ID "${inputs.hostSystemId}": host '${inputs.hostSystemId}' not found`,
      );
    else if (pool && pool.meta.cluster !== host.meta.cluster)
      fail("hostSystemId", `host ${host.name} is not a member of the cluster of resource pool ${pool.id}`);
    else checkCapacity(host, inputs, fail);
  } else if (pool) {
    const hosts = ctx.store.list("HostSystem", (h) => h.meta.cluster === pool.meta.cluster);
    if (hosts[0]) checkCapacity(hosts[0], inputs, fail);
  }
  if (
    Array.isArray(inputs.pciDeviceIds) &&
    inputs.pciDeviceIds.length > 0 &&
    inputs.hostSystemId === undefined
  )
    fail("pciDeviceIds", '"pci_device_id": all of `host_system_id,pci_device_id` must be specified');
  if (Array.isArray(inputs.pciDeviceIds))
    inputs.pciDeviceIds.forEach((p, i) => {
      if (known(p))
        fail(
          `pciDeviceIds[${i}]`,
          `PCI device ${p} not found on the host (the box's hosts have no passthrough devices)`,
        );
    });
  const vapp = isObject(inputs.vapp) ? inputs.vapp : undefined;
  if (
    vapp &&
    isObject(vapp.properties) &&
    Object.keys(vapp.properties).length > 0 &&
    inputs.clone !== undefined
  )
    fail("vapp", "this VM lacks a vApp configuration and cannot have vApp properties set on it");
}

/** A VM's vCPUs and memory must fit one host (vSphere refuses to power on a VM larger than its host). */
function checkCapacity(host: SimObject, inputs: Props, fail: Fail): void {
  const cpus = inputs.numCpus;
  if (knownNumber(cpus) && cpus > Number(host.meta.cpuThreads))
    fail(
      "numCpus",
      `the number of virtual CPUs (${cpus}) exceeds the ${String(host.meta.cpuThreads)} logical CPUs of host ${host.name}`,
    );
  const memory = inputs.memory;
  if (knownNumber(memory) && memory > Number(host.meta.memoryMb))
    fail("memory", `memory ${memory} MB exceeds the ${String(host.meta.memoryMb)} MB of host ${host.name}`);
}

function checkClone(ctx: SimContext, inputs: Props, fail: Fail): void {
  if (!isObject(inputs.clone)) return;
  const clone = inputs.clone;
  const source = sourceOf(ctx, inputs);
  if (known(clone.templateUuid) && !source)
    fail(
      "clone.templateUuid",
      `cannot locate virtual machine or template with UUID "${clone.templateUuid}": virtual machine with UUID "${clone.templateUuid}" not found`,
    );
  between(fail, "clone.timeout", clone.timeout, 10, 2 ** 31 - 1);
  if (!source) return;
  const guestId = inputs.guestId ?? "";
  if (known(guestId) && guestId !== source.props.guestId)
    fail(
      "guestId",
      `invalid guest ID "${guestId}" for clone. Please set it to "${String(source.props.guestId)}"`,
    );
  if (clone.linkedClone === true && !(Number(source.meta.snapshots ?? 0) > 0))
    fail(
      "clone.linkedClone",
      `virtual machine or template ${source.id} must have a snapshot to be used as a linked clone`,
    );
  const sourceDisks = list(source.props.disks);
  const disks = list(inputs.disks);
  if (Array.isArray(inputs.disks) && disks.length < sourceDisks.length)
    fail(
      "disks",
      `not enough disks in configuration - you need at least ${sourceDisks.length} to use this template (current: ${disks.length})`,
    );
  sourceDisks.forEach((sd, i) => {
    const d = disks[i];
    if (!d || !knownNumber(d.size)) return;
    if (d.size < Number(sd.size))
      fail(
        `disks[${i}].size`,
        `disk.${i}: disk name ${String(d.label)} must be at least the same size of source when cloning (expected: >= ${String(sd.size)} GiB)`,
      );
    if (clone.linkedClone === true && d.size !== Number(sd.size))
      fail(
        `disks[${i}].size`,
        `disk.${i}: disk name ${String(d.label)} must be the exact size of source when using linked_clone (expected: ${String(sd.size)} GiB)`,
      );
  });
  if (!isObject(clone.customize)) return;
  const cust = clone.customize;
  const family = String(source.meta.guestFamily);
  if (family === "linuxGuest" && cust.linuxOptions === undefined)
    fail(
      "clone.customize.linuxOptions",
      "linux_options must exist in VM customization options for Linux operating systems",
    );
  if (family === "windowsGuest" && cust.windowsOptions === undefined && cust.windowsSysprepText === undefined)
    fail(
      "clone.customize.windowsOptions",
      "one of windows_options or windows_sysprep_text must exist in VM customization options for Windows operating systems",
    );
  if (family === "otherGuestFamily")
    fail(
      "clone.customize",
      `Customization of the guest operating system '${String(source.props.guestId)}' is not supported in this configuration.`,
    );
  const set = ["linuxOptions", "windowsOptions", "windowsSysprepText"].filter((k) => cust[k] !== undefined);
  if (set.length > 1) fail(`clone.customize.${set[1]}`, `"${set[1]}": conflicts with ${set[0]}`);
  const settings = list(cust.networkInterfaces);
  const nics = list(inputs.networkInterfaces);
  if (Array.isArray(inputs.networkInterfaces) && settings.length > nics.length)
    fail(
      "clone.customize.networkInterfaces",
      `The number of network adapter settings in the customization specification: ${settings.length} does not match the number of network adapters present in the virtual machine: ${nics.length}`,
    );
  settings.forEach((s, i) => {
    const at = `clone.customize.networkInterfaces[${i}]`;
    if (known(s.ipv4Address) && !IPV4.test(s.ipv4Address))
      fail(`${at}.ipv4Address`, `${s.ipv4Address} is not an IPv4 address`);
    between(fail, `${at}.ipv4Netmask`, s.ipv4Netmask, 0, 32);
    between(fail, `${at}.ipv6Netmask`, s.ipv6Netmask, 0, 128);
    if (known(s.ipv4Address) && s.ipv4Netmask === undefined)
      fail(`${at}.ipv4Netmask`, "ipv4_netmask is required with ipv4_address");
  });
  if (known(cust.ipv4Gateway) && !IPV4.test(cust.ipv4Gateway))
    fail("clone.customize.ipv4Gateway", `${cust.ipv4Gateway} is not an IPv4 address`);
  (Array.isArray(cust.dnsServerLists) ? cust.dnsServerLists : []).forEach((d, i) => {
    if (known(d) && !IPV4.test(d) && !d.includes(":"))
      fail(`clone.customize.dnsServerLists[${i}]`, `${d} is not an IP address`);
  });
  const linux = isObject(cust.linuxOptions) ? cust.linuxOptions : undefined;
  if (linux && known(linux.hostName) && !HOSTNAME.test(linux.hostName))
    fail("clone.customize.linuxOptions.hostName", `The host name '${linux.hostName}' is invalid`);
}

/** Everything vCenter and the provider check of a VM's inputs (unknowns skipped). */
export function checkVm(ctx: SimContext, inputs: Props, fail: Fail): void {
  checkSizes(inputs, fail);
  checkChoices(inputs, fail);
  checkNics(ctx, inputs, fail);
  checkDisks(inputs, fail);
  checkPlacement(ctx, inputs, fail);
  checkClone(ctx, inputs, fail);
  checkTags(ctx, inputs.tags, "VirtualMachine", fail);
}

/** The VM folder a path names, or vCenter's error. */
function folderOf(ctx: SimContext, folder: unknown): SimObject {
  const rel = folder === undefined ? "" : normalizePath(folder);
  const f = ctx.model.folderAt("vm", rel);
  if (!f)
    throw new SimulatorError(
      `error locating folder: folder '/${ctx.model.datacenter().name}/vm/${rel}' not found`,
      "folder",
    );
  return f;
}

function hex(seed: string): string {
  return createHash("sha256").update(seed).digest("hex");
}

/** The static addresses the clone customization gives the guest. */
function staticAddresses(plain: Props): string[] {
  const clone = isObject(plain.clone) ? plain.clone : undefined;
  const cust = clone && isObject(clone.customize) ? clone.customize : undefined;
  return list(cust?.networkInterfaces)
    .map((n) => n.ipv4Address)
    .filter((a): a is string => typeof a === "string" && a !== "");
}

function shares(level: unknown, given: unknown, perUnit: Record<string, number>, units: number): number {
  return level === "custom" ? Number(given ?? 0) : perUnit[String(level)] * units;
}

/** The outputs of a VM for `raw`/`plain` inputs, from its current outputs (`{}` on create). */
function vmOutputs(
  ctx: SimContext,
  raw: Props,
  plain: Props,
  current: Props,
  facts: { uuid: string; moid: string; source?: SimObject; hostId: string; name: string },
): Props {
  const o = planProps(vmSpec, raw, current);
  const src = facts.source?.props;
  const datastore = ctx.store.get(String(plain.datastoreId ?? current.datastoreId), "Datastore");
  const dsName = datastore?.name ?? "datastore";
  const policy = datastore?.meta.vsan ? VSAN_DEFAULT_POLICY : "";
  o.annotation ??= src?.annotation ?? "";
  o.guestId ??= src?.guestId ?? "otherGuest64";
  o.hardwareVersion ??= src?.hardwareVersion ?? 19;
  o.hvMode ??= "hvAuto";
  o.eptRviMode ??= "automatic";
  o.datastoreId ??= datastore?.id;
  o.hostSystemId ??= facts.hostId;
  o.storagePolicyId ??= policy;
  o.folder = plain.folder === undefined ? "" : normalizePath(plain.folder);
  o.cpuShareCount = shares(
    o.cpuShareLevel,
    plain.cpuShareCount ?? current.cpuShareCount,
    SHARES_PER_UNIT,
    Number(o.numCpus),
  );
  o.memoryShareCount = shares(
    o.memoryShareLevel,
    plain.memoryShareCount ?? current.memoryShareCount,
    MEMORY_SHARES_PER_MB,
    Number(o.memory),
  );
  const disks = list(o.disks).length > 0 ? list(o.disks) : list(src?.disks).map((d) => ({ ...d }));
  o.disks = disks.map((d, i) => {
    const unit = Number(d.unitNumber ?? 0);
    const controller = String(d.controllerType ?? "scsi");
    return {
      ...d,
      key: d.key ?? 2000 + unit,
      uuid: d.uuid ?? `6000C29${hex(`${facts.uuid}/${String(d.label)}`).slice(0, 25)}`,
      datastoreId: d.datastoreId ?? o.datastoreId,
      path: d.path ?? `[${dsName}] ${facts.name}/${facts.name}${i === 0 ? "" : `_${i}`}.vmdk`,
      deviceAddress: d.deviceAddress ?? `${controller}:0:${unit}`,
      storagePolicyId: d.storagePolicyId ?? policy,
    };
  });
  o.networkInterfaces = list(o.networkInterfaces).map((n, i) => {
    const level = String(n.bandwidthShareLevel ?? "normal");
    const generated = hex(`${facts.uuid}/nic${i}`);
    const mac =
      n.useStaticMac === true
        ? n.macAddress
        : (n.macAddress ??
          `00:50:56:${(0x80 | (parseInt(generated.slice(0, 2), 16) & 0x3f)).toString(16)}:${generated.slice(2, 4)}:${generated.slice(4, 6)}`);
    return {
      ...n,
      bandwidthShareCount:
        level === "custom"
          ? Number(n.bandwidthShareCount ?? 0)
          : NIC_SHARES[level as keyof typeof NIC_SHARES],
      macAddress: mac,
      key: n.key ?? 4000 + i,
      deviceAddress: n.deviceAddress ?? `pci:0:${7 + i}`,
    };
  });
  const addresses = staticAddresses(plain);
  return {
    ...o,
    uuid: facts.uuid,
    moid: facts.moid,
    changeVersion: ctx.now().toISOString(),
    defaultIpAddress: addresses[0] ?? "",
    guestIpAddresses: addresses,
    imported: false,
    powerState: "on",
    rebootRequired: false,
    vappTransports: [],
    vmwareToolsStatus: addresses.length > 0 ? "guestToolsRunning" : "guestToolsNotRunning",
    vmxPath: current.vmxPath ?? `[${dsName}] ${facts.name}/${facts.name}.vmx`,
  };
}

/** Checks that can only be made when the VM is created or updated (objects the program creates too). */
function checkApply(ctx: SimContext, plain: Props): { folder: SimObject; source?: SimObject } {
  checkVm(ctx, plain, throwFail);
  rejectCustomAttributes(plain.customAttributes);
  checkTags(ctx, plain.tags, "VirtualMachine");
  if (!known(plain.resourcePoolId) || !ctx.store.get(plain.resourcePoolId, "ResourcePool"))
    throw new SimulatorError(
      `could not find resource pool ID "${String(plain.resourcePoolId)}"`,
      "resourcePoolId",
    );
  return { folder: folderOf(ctx, plain.folder), source: sourceOf(ctx, plain) };
}

/** The host a VM runs on: the one it is pinned to, else one of its cluster's hosts picked by its UUID. */
function placeOn(ctx: SimContext, plain: Props, uuid: string): string {
  if (known(plain.hostSystemId)) return plain.hostSystemId;
  const pool = ctx.store.get(String(plain.resourcePoolId), "ResourcePool")!;
  const hosts = ctx.store.list("HostSystem", (h) => h.meta.cluster === pool.meta.cluster);
  return hosts[parseInt(hex(uuid).slice(0, 8), 16) % hosts.length].id;
}

/** The VirtualMachine handler. */
export const virtualMachine: ResourceHandler = {
  token: "vsphere:index/virtualMachine:VirtualMachine",
  kind: "VirtualMachine",
  spec: vmSpec,
  autoName: { maxLength: 80 },
  check(ctx, inputs, fail) {
    checkVm(ctx, inputs, fail);
  },
  replaces(current, inputs, changed) {
    if (!changed.includes("clone")) return [];
    const strip = (c: unknown) => {
      const v = unwrap(c);
      if (!isObject(v)) return v;
      const { timeout: _timeout, ...rest } = v;
      return rest;
    };
    const planned = planProps(vmSpec, { clone: inputs.clone }, { clone: current.clone }).clone;
    return deepEqual(strip(planned), strip(current.clone)) ? [] : ["clone"];
  },
  create(ctx, urn, raw, plain) {
    const { folder, source } = checkApply(ctx, plain);
    const name = String(plain.name);
    if (ctx.store.byName(folderNamespace(folder.id), name))
      throw new SimulatorError(`error cloning virtual machine: The name '${name}' already exists.`, "name");
    const uuid = allocateUuid(ctx.store, urn);
    const moid = allocateMoid(ctx.store, "vm-", urn);
    const hostId = placeOn(ctx, plain, uuid);
    const outs = vmOutputs(ctx, raw, plain, {}, { uuid, moid, source, hostId, name });
    const guestId = String(outs.guestId);
    ctx.store.insert({
      id: uuid,
      kind: "VirtualMachine",
      namespace: folderNamespace(folder.id),
      name,
      urn,
      props: outs,
      meta: {
        folder: folder.id,
        template: false,
        guestFamily: source ? source.meta.guestFamily : guestFamilyOf(guestId),
        instanceUuid: allocateUuid(ctx.store, `instance|${urn}`, "50"),
        clonedFrom: source?.id,
        snapshots: 0,
      },
    });
    return { id: uuid, outs };
  },
  update(ctx, live, raw, plain) {
    const { folder } = checkApply(ctx, { ...plain, clone: undefined });
    const name = String(plain.name);
    const other = ctx.store.byName(folderNamespace(folder.id), name);
    if (other && other.id !== live.id)
      throw new SimulatorError(`error renaming virtual machine: The name '${name}' already exists.`, "name");
    const oldDisks = list(live.props.disks);
    list(plain.disks).forEach((d, i) => {
      const old = oldDisks.find((x) => x.label === d.label);
      if (old && knownNumber(d.size) && d.size < Number(old.size))
        throw new SimulatorError(
          `virtual disk "${String(d.label)}": virtual disks cannot be shrunk (old: ${String(old.size)} new: ${d.size})`,
          `disks[${i}].size`,
        );
    });
    const hv = plain.hardwareVersion;
    if (knownNumber(hv) && hv < Number(live.props.hardwareVersion))
      throw new SimulatorError(
        `Cannot downgrade virtual hardware version. current: ${String(live.props.hardwareVersion)}, target: ${hv}`,
        "hardwareVersion",
      );
    const source = live.meta.clonedFrom ? ctx.model.vmByUuid(String(live.meta.clonedFrom)) : undefined;
    const hostId = known(plain.hostSystemId) ? plain.hostSystemId : String(live.props.hostSystemId);
    const outs = vmOutputs(ctx, raw, plain, live.props, {
      uuid: live.id,
      moid: String(live.props.moid),
      source,
      hostId,
      name,
    });
    ctx.store.update({
      ...live,
      namespace: folderNamespace(folder.id),
      name,
      props: outs,
      meta: { ...live.meta, folder: folder.id },
    });
    return outs;
  },
  delete(ctx, live) {
    if (live.meta.template)
      throw new SimulatorError(
        `virtual machine ${live.name} is an inventory template; the simulator does not delete it`,
      );
    for (const kind of ["ComputeClusterVmGroup", "ComputeClusterVmAntiAffinityRule"] as const) {
      for (const o of ctx.store.list(kind, (x) =>
        ((x.props.virtualMachineIds as string[]) ?? []).includes(live.id),
      )) {
        const ids = (o.props.virtualMachineIds as string[]).filter((x) => x !== live.id);
        ctx.store.update({ ...o, props: { ...o.props, virtualMachineIds: ids } });
      }
    }
    ctx.store.remove(live.id);
  },
};

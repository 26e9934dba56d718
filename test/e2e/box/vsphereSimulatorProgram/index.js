/* eslint-disable @typescript-eslint/no-require-imports */
/* global exports */
"use strict";
// Engine test program: looks the box inventory up and creates a VM folder, a distributed port group and a VM cloned
// from the Ubuntu template (static address by guest customization), through the project's compiled vSphere bindings
// (`engine-vsphere-sim:providers` = absolute path of dist/providers/vsphere). The plugin that answers is whatever
// `pulumi-resource-vsphere` the engine finds: in the test, the vSphere provider simulator.
//   engine-vsphere-sim:memory   the VM's memory in MB (the test changes it to update in place)
const pulumi = require("@pulumi/pulumi");

const config = new pulumi.Config();
const vsphere = require(config.require("providers"));
const memory = config.requireNumber("memory");

const dc = vsphere.getDatacenterOutput({ name: "dc1" });
const cluster = vsphere.getComputeClusterOutput({ name: "cluster1", datacenterId: dc.id });
const datastore = vsphere.getDatastoreOutput({ name: "vsan-ds", datacenterId: dc.id });
const dvs = vsphere.getDistributedVirtualSwitchOutput({ name: "dvs-main", datacenterId: dc.id });
const template = vsphere.getVirtualMachineOutput({ name: "ubuntu-24.04-cloud", datacenterId: dc.id });

const folder = new vsphere.Folder("e2e-folder", { path: "e2e", type: "vm", datacenterId: dc.id });
const lan = new vsphere.DistributedPortGroup("e2e-lan", {
  name: "e2e-lan",
  distributedVirtualSwitchUuid: dvs.id,
  vlanId: 3001,
});
const vm = new vsphere.VirtualMachine("e2e-vm", {
  name: "e2e-vm",
  resourcePoolId: cluster.resourcePoolId,
  datastoreId: datastore.id,
  folder: folder.path,
  numCpus: 2,
  memory,
  guestId: template.guestId,
  firmware: template.firmware,
  scsiType: template.scsiType,
  networkInterfaces: [{ networkId: lan.id, adapterType: "vmxnet3" }],
  disks: [{ label: "disk0", size: template.disks.apply((d) => d[0].size), thinProvisioned: true }],
  clone: {
    templateUuid: template.id,
    customize: {
      linuxOptions: { hostName: "e2e-vm", domain: "e2e.internal" },
      networkInterfaces: [{ ipv4Address: "10.0.1.20", ipv4Netmask: 24 }],
      ipv4Gateway: "10.0.1.1",
      dnsServerLists: ["10.0.1.1"],
    },
  },
});

exports.folderId = folder.id;
exports.lanId = lan.id;
exports.vmId = vm.id;
exports.vmMoid = vm.moid;
exports.vmMemory = vm.memory;
exports.vmAddress = vm.defaultIpAddress;

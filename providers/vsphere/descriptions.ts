/**
 * Doc comments for the generated vSphere bindings. The reference schema
 * (`reference/vsphere-provider-schema.json`) was reduced without descriptions, so these are written by hand
 * from the provider's behaviour. Keys are `Owner.property` (Owner = resource, function or type name as
 * generated, e.g. `VirtualMachine`, `GetNetwork`, `VirtualMachineClone`) or `*.property` for a property that
 * means the same everywhere. A property without an entry gets a generic comment built from its schema type.
 */
export const descriptions: Record<string, string> = {
  // ---- shared ------------------------------------------------------------------------------------------
  "*.datacenterId": "The managed object ID of the datacenter (e.g. `datacenter-3`), from `getDatacenter`.",
  "*.computeClusterId":
    "The managed object ID of the compute cluster (e.g. `domain-c8`), from `getComputeCluster`.",
  "*.customAttributes": "Map of custom attribute IDs to values. Requires vCenter.",
  "*.tags": "IDs of vSphere tags to attach (see `Tag`).",
  "*.name": "The name of the object.",
  "*.id": "The provider-assigned unique ID for this managed resource.",
  "*.storagePolicyId": "The UUID of the storage policy to apply.",

  // ---- VirtualMachine ----------------------------------------------------------------------------------
  "VirtualMachine.name": "The name of the virtual machine (unique within its folder).",
  "VirtualMachine.resourcePoolId":
    "The managed object ID of the resource pool to put the VM in (a cluster's root pool is `getComputeCluster().resourcePoolId`).",
  "VirtualMachine.hostSystemId":
    "The managed object ID of the ESXi host to place the VM on (e.g. `host-101`). Optional when the resource pool belongs to a DRS cluster.",
  "VirtualMachine.datastoreId":
    "The managed object ID of the datastore for the VM's configuration files and (by default) its disks.",
  "VirtualMachine.datastoreClusterId":
    "The managed object ID of a datastore cluster (Storage DRS) to place the VM on.",
  "VirtualMachine.folder":
    "The inventory path of the VM folder, relative to the datacenter's VM folder (e.g. `basphere/tenant-a`).",
  "VirtualMachine.numCpus": "The total number of virtual CPUs. Provider default: 1.",
  "VirtualMachine.numCoresPerSocket":
    "The number of cores per virtual socket; `numCpus` must be a multiple of it. Provider default: 1.",
  "VirtualMachine.memory": "The memory size in MB. Provider default: 1024.",
  "VirtualMachine.guestId":
    "The guest OS identifier (e.g. `other5xLinux64Guest`, `freebsd14_64Guest`). Provider default: `otherGuest64`; a clone takes the template's.",
  "VirtualMachine.firmware":
    "The firmware interface: `bios` or `efi`. Must match the template when cloning. Provider default: `bios`.",
  "VirtualMachine.efiSecureBootEnabled": 'Enables EFI secure boot (requires `firmware: "efi"`).',
  "VirtualMachine.enableDiskUuid":
    "Exposes disk UUIDs to the guest (`disk.EnableUUID`), needed by CSI drivers. Provider default: false.",
  "VirtualMachine.extraConfig":
    "Extra VMX options as key/value pairs, e.g. `guestinfo.talos.config` (base64) read by the guest through VMware Tools.",
  "VirtualMachine.extraConfigRebootRequired":
    "Whether changing `extraConfig` requires a VM reboot. Provider default: true.",
  "VirtualMachine.networkInterfaces":
    "The virtual NICs, in device order (the first is the guest's first interface).",
  "VirtualMachine.disks":
    "The virtual disks. When cloning, the first disk's `size` must be at least the template's.",
  "VirtualMachine.clone":
    "Creates the VM by cloning a template or VM (`templateUuid`), optionally customising the guest.",
  "VirtualMachine.ovfDeploy": "Creates the VM from an OVF/OVA file or URL instead of a clone.",
  "VirtualMachine.cdroms": "Virtual CD-ROM devices.",
  "VirtualMachine.vapp": "vApp properties (OVF environment) passed to the guest.",
  "VirtualMachine.vtpm": "A virtual TPM device (requires EFI firmware and a key provider).",
  "VirtualMachine.videoCard": "The virtual video card settings.",
  "VirtualMachine.waitForGuestNetTimeout":
    "Minutes to wait for the guest to report a routable IP address before the create completes; 0 or less disables the wait. Provider default: 5.",
  "VirtualMachine.waitForGuestIpTimeout":
    "Minutes to wait for any guest IP address (a weaker check than `waitForGuestNetTimeout`); 0 or less disables it. Provider default: 0.",
  "VirtualMachine.waitForGuestNetRoutable":
    "Whether `waitForGuestNetTimeout` requires an address that is routable via the default gateway. Provider default: true.",
  "VirtualMachine.ignoredGuestIps":
    "Guest IP addresses (or CIDRs) to ignore when waiting for the guest network.",
  "VirtualMachine.shutdownWaitTimeout":
    "Minutes to wait for a graceful guest shutdown before powering off. Provider default: 3.",
  "VirtualMachine.forcePowerOff":
    "Power the VM off if a graceful shutdown times out. Provider default: true.",
  "VirtualMachine.migrateWaitTimeout": "Minutes to wait for a vMotion to finish. Provider default: 30.",
  "VirtualMachine.poweronTimeout": "Seconds to wait for the VM to power on. Provider default: 300.",
  "VirtualMachine.scsiType":
    "The SCSI controller type: `pvscsi`, `lsilogic` or `lsilogic-sas`. Provider default: `pvscsi`.",
  "VirtualMachine.scsiBusSharing":
    "The SCSI bus sharing mode: `noSharing`, `physicalSharing` or `virtualSharing`.",
  "VirtualMachine.scsiControllerCount": "The number of SCSI controllers. Provider default: 1.",
  "VirtualMachine.nestedHvEnabled": "Exposes hardware virtualisation to the guest (nested hypervisors).",
  "VirtualMachine.hardwareVersion": "The virtual hardware version (e.g. 19, 21). Only upgrades are possible.",
  "VirtualMachine.annotation": "Free-form notes shown in vSphere.",
  "VirtualMachine.latencySensitivity":
    "The latency sensitivity: `low`, `normal`, `medium` or `high` (high requires full memory reservation).",
  "VirtualMachine.replaceTrigger":
    "Any string; changing it replaces the VM (e.g. a hash of a cloud-init document).",
  "VirtualMachine.memoryReservation": "Guaranteed memory in MB.",
  "VirtualMachine.cpuReservation": "Guaranteed CPU in MHz.",
  "VirtualMachine.uuid": "The UUID (BIOS UUID) of the virtual machine; also the resource ID.",
  "VirtualMachine.moid": "The managed object ID of the virtual machine (e.g. `vm-1001`).",
  "VirtualMachine.defaultIpAddress":
    "The IP address the guest reports on its default route (empty until VMware Tools reports it).",
  "VirtualMachine.guestIpAddresses": "All IP addresses the guest reports through VMware Tools.",
  "VirtualMachine.powerState": "The power state: `on`, `off` or `suspended`.",
  "VirtualMachine.vmwareToolsStatus": "The VMware Tools status reported by the guest.",
  "VirtualMachine.changeVersion": "The VM's configuration change version.",
  "VirtualMachine.rebootRequired": "True when a pending change needs a reboot.",
  "VirtualMachine.vmxPath": "The datastore path of the VM's .vmx file.",
  "VirtualMachine.imported": "True if the VM was imported rather than created.",
  "VirtualMachine.vappTransports": "The vApp transports the VM supports.",
  "VirtualMachine.pciDeviceIds": "IDs of PCI devices to pass through to the VM.",

  // ---- VM nested types -----------------------------------------------------------------------------------
  "VirtualMachineClone.templateUuid": "The UUID of the template or VM to clone (`getVirtualMachine().id`).",
  "VirtualMachineClone.linkedClone":
    "Create a linked clone (delta disks on the template's snapshot). Provider default: false.",
  "VirtualMachineClone.timeout": "Minutes to wait for the clone to complete. Provider default: 30.",
  "VirtualMachineClone.customize":
    "Guest customisation (hostname, static IPs) applied by VMware Tools after the clone.",
  "VirtualMachineClone.customizationSpec":
    "Use a stored vCenter customisation specification instead of `customize`.",
  "VirtualMachineCloneCustomize.networkInterfaces":
    "Per-NIC IP settings, in the same order as the VM's `networkInterfaces`.",
  "VirtualMachineCloneCustomize.ipv4Gateway": "The IPv4 default gateway.",
  "VirtualMachineCloneCustomize.dnsServerLists": "DNS servers for the guest.",
  "VirtualMachineCloneCustomize.linuxOptions": "Linux guest options (hostname, domain, time zone).",
  "VirtualMachineCloneCustomize.windowsOptions": "Windows guest options.",
  "VirtualMachineCloneCustomize.timeout":
    "Minutes to wait for customisation to finish. Provider default: 10.",
  "VirtualMachineCloneCustomize.windowsSysprepText": "A complete sysprep answer file (secret).",
  "VirtualMachineCloneCustomizeLinuxOptions.hostName": "The guest host name.",
  "VirtualMachineCloneCustomizeLinuxOptions.domain": "The guest domain name.",
  "VirtualMachineCloneCustomizeLinuxOptions.scriptText": "A script run during customisation (secret).",
  "VirtualMachineCloneCustomizeNetworkInterface.ipv4Address": "The static IPv4 address; empty for DHCP.",
  "VirtualMachineCloneCustomizeNetworkInterface.ipv4Netmask": "The IPv4 prefix length (e.g. 24).",
  "VirtualMachineCloneCustomizeWindowsOptions.adminPassword": "The local administrator password (secret).",
  "VirtualMachineCloneCustomizeWindowsOptions.domainAdminPassword":
    "The password of the domain join account (secret).",
  "VirtualMachineCloneCustomizeWindowsOptions.productKey": "The Windows product key (secret).",
  "VirtualMachineNetworkInterface.networkId":
    "The managed object ID of the network or port group (e.g. `dvportgroup-2000`).",
  "VirtualMachineNetworkInterface.adapterType":
    "The NIC type: `vmxnet3`, `e1000`, `e1000e` or `sriov`. Provider default: `vmxnet3`.",
  "VirtualMachineNetworkInterface.macAddress":
    "The MAC address; set with `useStaticMac` to fix it, otherwise assigned by vSphere.",
  "VirtualMachineNetworkInterface.useStaticMac": "Use `macAddress` as a static MAC. Provider default: false.",
  "VirtualMachineNetworkInterface.key": "The device key vSphere assigned to the NIC.",
  "VirtualMachineNetworkInterface.ovfMapping": "The OVF network name this NIC maps to (OVF deployments).",
  "VirtualMachineDisk.label": "A unique label for the disk within the VM (e.g. `disk0`).",
  "VirtualMachineDisk.size": "The disk size in GB.",
  "VirtualMachineDisk.unitNumber":
    "The disk's unit number on its controller; the first disk must be 0. Provider default: 0.",
  "VirtualMachineDisk.thinProvisioned": "Thin-provision the disk. Provider default: true.",
  "VirtualMachineDisk.eagerlyScrub":
    "Zero the disk eagerly at creation (thick, eager-zeroed). Provider default: false.",
  "VirtualMachineDisk.datastoreId": "The datastore for this disk, if not the VM's.",
  "VirtualMachineDisk.controllerType":
    "The controller type: `scsi`, `sata`, `ide` or `nvme`. Provider default: `scsi`.",
  "VirtualMachineDisk.attach": "Attach an existing disk at `path` instead of creating one.",
  "VirtualMachineDisk.keepOnRemove": "Keep the disk file when the disk or VM is removed.",
  "VirtualMachineDisk.path": "The datastore path of the disk file.",
  "VirtualMachineDisk.uuid": "The disk's UUID.",
  "VirtualMachineDisk.diskMode": "The disk mode (e.g. `persistent`, `independent_persistent`).",

  // ---- DistributedPortGroup ----------------------------------------------------------------------------
  "DistributedPortGroup.name": "The name of the port group.",
  "DistributedPortGroup.distributedVirtualSwitchUuid":
    "The UUID of the distributed switch to create the port group on (`getDistributedVirtualSwitch().id`).",
  "DistributedPortGroup.vlanId":
    "The VLAN ID to tag traffic with (0 = untagged). Conflicts with `vlanRanges`.",
  "DistributedPortGroup.vlanRanges": "VLAN ranges for a trunk port group. Conflicts with `vlanId`.",
  "DistributedPortGroup.type":
    "The port binding type: `earlyBinding` or `ephemeral`. Provider default: `earlyBinding`.",
  "DistributedPortGroup.numberOfPorts": "The number of ports (grows automatically with `autoExpand`).",
  "DistributedPortGroup.autoExpand": "Grow the port group when ports run out. Provider default: true.",
  "DistributedPortGroup.activeUplinks": "Uplinks carrying traffic, in order.",
  "DistributedPortGroup.standbyUplinks": "Uplinks used when an active one fails.",
  "DistributedPortGroup.allowPromiscuous":
    "Allow promiscuous mode (needed by a routed appliance bridging traffic).",
  "DistributedPortGroup.allowForgedTransmits": "Allow frames with a source MAC other than the NIC's.",
  "DistributedPortGroup.allowMacChanges": "Allow the guest to change its MAC address.",
  "DistributedPortGroup.key": "The port group's key (its managed object ID, e.g. `dvportgroup-3001`).",
  "DistributedPortGroup.configVersion": "The port group's configuration version.",
  "DistributedPortGroupVlanRange.minVlan": "The first VLAN ID of the range.",
  "DistributedPortGroupVlanRange.maxVlan": "The last VLAN ID of the range.",

  // ---- DRS groups and rules ----------------------------------------------------------------------------
  "ComputeClusterVmGroup.name": "The name of the VM group (unique within the cluster).",
  "ComputeClusterVmGroup.virtualMachineIds": "UUIDs of the VMs in the group (`VirtualMachine.id`).",
  "ComputeClusterHostGroup.name": "The name of the host group (unique within the cluster).",
  "ComputeClusterHostGroup.hostSystemIds":
    "Managed object IDs of the ESXi hosts in the group (`getHost().id`).",
  "ComputeClusterVmHostRule.name": "The name of the rule (unique within the cluster).",
  "ComputeClusterVmHostRule.vmGroupName": "The VM group the rule applies to (`ComputeClusterVmGroup.name`).",
  "ComputeClusterVmHostRule.affinityHostGroupName":
    "Run the VM group on this host group. Conflicts with `antiAffinityHostGroupName`.",
  "ComputeClusterVmHostRule.antiAffinityHostGroupName": "Keep the VM group off this host group.",
  "ComputeClusterVmHostRule.mandatory":
    "A must-rule (DRS and HA never violate it) rather than a should-rule. Provider default: false.",
  "ComputeClusterVmHostRule.enabled": "Enable the rule. Provider default: true.",
  "ComputeClusterVmAntiAffinityRule.name": "The name of the rule (unique within the cluster).",
  "ComputeClusterVmAntiAffinityRule.virtualMachineIds":
    "UUIDs of the VMs to keep on different hosts (`VirtualMachine.id`).",
  "ComputeClusterVmAntiAffinityRule.mandatory":
    "A must-rule rather than a should-rule. Provider default: false.",
  "ComputeClusterVmAntiAffinityRule.enabled": "Enable the rule. Provider default: true.",

  // ---- Folder, ResourcePool, Tag, TagCategory -------------------------------------------------------------
  "Folder.path":
    "The folder's path relative to the datacenter's folder of its `type` (e.g. `basphere/tenant-a`).",
  "Folder.type": "The folder type: `vm`, `host`, `datastore`, `network` or `datacenter`.",
  "Folder.datacenterId": "The datacenter the folder belongs to (not for `datacenter` folders).",
  "ResourcePool.parentResourcePoolId":
    "The managed object ID of the parent resource pool (or a cluster's root pool).",
  "ResourcePool.cpuShareLevel":
    "CPU shares level: `low`, `normal`, `high` or `custom`. Provider default: `normal`.",
  "ResourcePool.memoryShareLevel":
    "Memory shares level: `low`, `normal`, `high` or `custom`. Provider default: `normal`.",
  "ResourcePool.cpuLimit": "CPU limit in MHz; -1 for unlimited.",
  "ResourcePool.memoryLimit": "Memory limit in MB; -1 for unlimited.",
  "ResourcePool.cpuReservation": "Guaranteed CPU in MHz.",
  "ResourcePool.memoryReservation": "Guaranteed memory in MB.",
  "Tag.categoryId": "The ID of the tag category (`TagCategory.id`).",
  "Tag.name": "The tag's name (unique within its category).",
  "TagCategory.cardinality": "`SINGLE` (one tag of the category per object) or `MULTIPLE`.",
  "TagCategory.associableTypes":
    "vSphere object types the tags may be attached to (e.g. `VirtualMachine`, `Folder`).",

  // ---- functions ------------------------------------------------------------------------------------------
  "GetDatacenter.name": "The datacenter's name; may be omitted on an ESXi host (there is one datacenter).",
  "GetDatacenter.virtualMachines": "Names of all virtual machines in the datacenter.",
  "GetComputeCluster.name": "The name or inventory path of the compute cluster.",
  "GetComputeCluster.resourcePoolId": "The managed object ID of the cluster's root resource pool.",
  "GetHost.name":
    "The host's name as it appears in vCenter (e.g. `esx01.lab.local`); may be omitted on an ESXi host.",
  "GetHost.resourcePoolId": "The managed object ID of the host's root resource pool.",
  "GetDatastore.name": "The datastore's name or inventory path.",
  "GetDatastore.stats": "Free and capacity bytes per host, as reported by vSphere.",
  "GetDistributedVirtualSwitch.name": "The switch's name or inventory path.",
  "GetDistributedVirtualSwitch.id":
    "The UUID of the distributed switch (as `DistributedPortGroup.distributedVirtualSwitchUuid` expects).",
  "GetDistributedVirtualSwitch.uplinks": "Names of the switch's uplinks.",
  "GetNetwork.name":
    "The network's name or inventory path (a port group, standard network or opaque network).",
  "GetNetwork.type": "The managed object type: `Network`, `DistributedVirtualPortgroup` or `OpaqueNetwork`.",
  "GetNetwork.distributedVirtualSwitchUuid":
    "Restricts the look-up to port groups of this distributed switch (names may repeat across switches).",
  "GetNetwork.filters": "Filters applied when several networks share a name.",
  "GetResourcePool.name": "The resource pool's inventory path (e.g. `cluster1/Resources`).",
  "GetResourcePool.parentResourcePoolId": "Look the pool up by name under this parent pool.",
  "GetFolder.path": "The absolute inventory path of the folder (e.g. `/dc1/vm/basphere`).",
  "GetVirtualMachine.name": "The name or inventory path of the VM or template.",
  "GetVirtualMachine.id": "The UUID of the VM or template (use as `VirtualMachineClone.templateUuid`).",
  "GetVirtualMachine.uuid": "The UUID of the VM or template, as an alternative to `name`.",
  "GetVirtualMachine.moid": "The managed object ID of the VM or template, as an alternative to `name`.",
  "GetVirtualMachine.disks": "The template's disks (sizes in GB); a clone's disks must be at least as large.",
  "GetVirtualMachine.networkInterfaces": "The template's NICs.",
  "GetVirtualMachine.networkInterfaceTypes": "The adapter types of the template's NICs, in order.",
  "GetVirtualMachine.scsiType": "The template's SCSI controller type.",
  "GetContentLibrary.name": "The content library's name.",
  "GetContentLibraryItem.libraryId": "The ID of the content library (`getContentLibrary().id`).",
  "GetContentLibraryItem.name": "The item's name.",
  "GetContentLibraryItem.type": "The item type: `ovf`, `iso` or `vm-template`.",
};

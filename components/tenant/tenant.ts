import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vsphere from "../../providers/vsphere";
import type { OnpremOutputs } from "../../stacks/contracts";
import {
  Allocations,
  CLUSTER_TARGET,
  TenantSpec,
  bindFloatingIps,
  floatingIpPorts,
} from "../../stacks/tenantSpec";
import { FloatingIp } from "./floatingIp";
import { assignAddresses, isIpv4 } from "./ipPlan";
import { TenantCluster } from "./tenantCluster";
import { TenantNetwork } from "./tenantNetwork";
import { TenantRouter } from "./tenantRouter";
import { TenantVm } from "./tenantVm";
import { TenantVpn } from "./tenantVpn";

/** The onprem stack's outputs as the tenant reads them (Outputs of a StackReference). */
export type OnpremInputs = { [K in keyof OnpremOutputs]: pulumi.Input<OnpremOutputs[K]> };

/** Arguments of {@link Tenant}. */
export interface TenantArgs {
  /** The validated tenant spec (tenantSpecSchema output). Required. */
  spec: TenantSpec;
  /** The validated allocations. Required. */
  allocations: Allocations;
  /** What the onprem stack publishes. Required. */
  onprem: OnpremInputs;
  /** Golden OPNsense template (stacks: the onprem output `routerTemplateName`). Default `opnsense-26.7-golden`. */
  routerTemplate?: pulumi.Input<string>;
  /** The golden template's shared API key/secret (secrets). Required. */
  routerApiKey: pulumi.Input<string>;
  routerApiSecret: pulumi.Input<string>;
  /** SHA-256 fingerprint of the template's GUI certificate. Default (unset or `""`): the system CA store. */
  routerApiFingerprint?: pulumi.Input<string>;
  /** VSphereClusterIdentity for CAPV. Default (unset or `""`): CAPV's own credentials. */
  vsphereIdentity?: pulumi.Input<string>;
  /**
   * vCenter account of the cluster's vSphere cloud provider (CPI) (secret). Required when the spec has a cluster.
   */
  cpiCredentials?: pulumi.Input<{ username: string; password: string }>;
}

/** A floating IP as the tenant sees it. */
export interface FloatingIpOutput {
  address: string;
  target: string;
  /** What the target is: a VM name, `cluster`, or `address`. */
  targetKind: string;
}

/**
 * One tenant: a VM folder, two LANs, the OPNsense router, standalone VMs, floating IPs, the optional Cluster API
 * cluster and the optional WireGuard VPN.
 */
export class Tenant extends pulumi.ComponentResource {
  public readonly network: TenantNetwork;
  public readonly router: TenantRouter;
  public readonly vms: Record<string, TenantVm> = {};
  public readonly floatingIps: Record<string, FloatingIp> = {};
  public readonly floatingIpTable: Record<string, FloatingIpOutput> = {};
  public readonly cluster?: TenantCluster;
  public readonly vpn?: TenantVpn;

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:tenant:Tenant", name, {}, opts);
    const { spec, allocations, onprem } = args;
    const tenant = spec.name;
    const fail = (m: string) => new pulumi.ResourceError(`Tenant ${name}: ${m}`, this);

    const folderPath = pulumi.interpolate`${onprem.folderPath}/tenant-${tenant}`;
    const folder = new vsphere.Folder(
      `${name}-folder`,
      { path: folderPath, type: "vm", datacenterId: onprem.datacenterId },
      { parent: this },
    );

    this.network = new TenantNetwork(
      `${name}-net`,
      {
        tenantName: tenant,
        distributedSwitchUuid: onprem.distributedSwitchUuid,
        lan1VlanId: allocations.lan1VlanId,
        lan2VlanId: allocations.lan2VlanId,
        lan1Cidr: spec.network.lan1Cidr,
        lan2Cidr: spec.network.lan2Cidr,
      },
      { parent: this },
    );
    const domain = spec.network.domainName ?? `${tenant}.internal`;

    this.router = new TenantRouter(
      `${name}-router`,
      {
        tenantName: tenant,
        placement: {
          datacenterId: onprem.datacenterId,
          resourcePoolId: onprem.resourcePoolId,
          datastoreId: onprem.datastoreId,
          folder: folder.path,
          wanPortGroupId: onprem.wanPortGroupId,
        },
        lans: [this.network.lan1, this.network.lan2],
        template: args.routerTemplate,
        bootstrapApiKey: args.routerApiKey,
        bootstrapApiSecret: args.routerApiSecret,
        apiFingerprint: args.routerApiFingerprint,
        wanAddress: allocations.routerWanAddress,
        domainName: domain,
      },
      { parent: this },
    );
    const connection = this.router.connection;
    const ready = this.router.ready;

    // Standalone VMs: static addresses per LAN (explicit ones kept, the rest in spec order).
    const vmAddress = new Map<string, string>();
    for (const which of ["lan1", "lan2"] as const) {
      const onLan = spec.vms.filter((v) => v.network === which);
      try {
        for (const [n, a] of assignAddresses(
          onLan,
          this.network.lan(which).plan.staticRange,
          "static address",
        ))
          vmAddress.set(n, a);
      } catch (e) {
        throw fail(`vms on ${which}: ${(e as Error).message}`);
      }
    }
    const templates = new Map<string, pulumi.Output<vsphere.GetVirtualMachineResult>>();
    const templateInfo = (t: string) => {
      if (!templates.has(t))
        templates.set(
          t,
          vsphere.getVirtualMachineOutput({ name: t, datacenterId: onprem.datacenterId }, { parent: this }),
        );
      return templates.get(t)!;
    };
    for (const v of spec.vms) {
      this.vms[v.name] = new TenantVm(
        `${name}-vm-${v.name}`,
        {
          tenantName: tenant,
          name: v.name,
          placement: {
            datacenterId: onprem.datacenterId,
            resourcePoolId: onprem.resourcePoolId,
            datastoreId: onprem.datastoreId,
            folder: folder.path,
          },
          lan: this.network.lan(v.network),
          address: vmAddress.get(v.name)!,
          cpus: v.cpus,
          memoryMiB: v.memoryMiB,
          diskGb: v.diskGb,
          template: v.template,
          templateInfo: templateInfo(v.template),
          domain,
        },
        { parent: this },
      );
    }

    // Floating IPs.
    let addresses: Map<string, string>;
    try {
      addresses = bindFloatingIps(spec, allocations);
    } catch (e) {
      throw fail(`floating IPs: ${(e as Error).message}`);
    }
    const clusterLan = spec.cluster ? this.network.lan(spec.cluster.network) : undefined;
    for (const f of spec.floatingIps) {
      let target: string;
      let targetKind: string;
      if (f.target === CLUSTER_TARGET) {
        if (!clusterLan) throw fail(`floating IP ${f.name} targets the cluster, but there is no cluster`);
        target = clusterLan.plan.kubeVip;
        targetKind = CLUSTER_TARGET;
      } else if (isIpv4(f.target)) {
        target = f.target;
        targetKind = "address";
      } else {
        const a = vmAddress.get(f.target);
        if (!a) throw fail(`floating IP ${f.name} targets "${f.target}", which is no VM of this tenant`);
        target = a;
        targetKind = `vm:${f.target}`;
      }
      const address = addresses.get(f.name)!;
      this.floatingIps[f.name] = new FloatingIp(
        `${name}-fip-${f.name}`,
        {
          connection,
          address,
          target,
          ports: floatingIpPorts(f),
          natReflection: true,
          label: `${tenant}/${f.name}`,
          dependsOn: ready,
        },
        { parent: this },
      );
      this.floatingIpTable[f.name] = { address, target, targetKind };
    }

    // Cluster API cluster on the management cluster.
    if (spec.cluster && clusterLan) {
      if (args.cpiCredentials === undefined)
        throw fail(
          "cpiCredentials is required for a tenant cluster (the vCenter account of its vSphere CPI)",
        );
      const endpointFip = spec.floatingIps.find((f) => f.target === CLUSTER_TARGET)!;
      const provider = new k8s.Provider(
        `${name}-mgmt`,
        {
          kubeconfig: pulumi.secret(pulumi.output(onprem.managementKubeconfig)),
          enableServerSideApply: true,
        },
        { parent: this },
      );
      this.cluster = new TenantCluster(
        `${name}-cluster`,
        {
          tenantName: tenant,
          spec: spec.cluster,
          lan: clusterLan,
          endpointAddress: addresses.get(endpointFip.name)!,
          placement: {
            server: onprem.vcenterServer,
            thumbprint: onprem.vcenterThumbprint,
            datacenterName: onprem.datacenterName,
            datastoreName: onprem.datastoreName,
            computeClusterName: onprem.computeClusterName,
            folderPath: folder.path,
            identityName: args.vsphereIdentity,
          },
          cpiCredentials: pulumi.secret(args.cpiCredentials),
          provider,
          // Nodes need DHCP/NAT on their LAN and the endpoint's 1:1 NAT before they boot.
          dependsOn: [...ready, this.floatingIps[endpointFip.name]],
        },
        { parent: this },
      );
    }

    // WireGuard VPN.
    if (spec.vpn) {
      const reach: string[] = [];
      for (const r of spec.vpn.reach) {
        if (r === "floatingIps")
          reach.push(...Object.values(this.floatingIpTable).map((f) => `${f.address}/32`));
        else reach.push(this.network.lan(r).plan.cidr);
      }
      this.vpn = new TenantVpn(
        `${name}-vpn`,
        {
          tenantName: tenant,
          connection,
          endpointAddress: this.router.wanAddress,
          port: spec.vpn.port,
          tunnelCidr: spec.vpn.tunnelCidr,
          reach,
          keepalive: spec.vpn.keepalive,
          dns: spec.vpn.reach.includes("lan1") ? [this.network.lan1.plan.gateway] : undefined,
          peers: spec.vpn.peers,
          dependsOn: ready,
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      routerWanAddress: this.router.wanAddress,
      floatingIps: this.floatingIpTable,
      clusterEndpoint: this.cluster?.endpoint,
      wireguardEndpoint: this.vpn?.endpoint,
    });
  }
}

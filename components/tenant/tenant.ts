import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as vsphere from "../../providers/vsphere";
import type { OnpremOutputs } from "../../model/contracts";
import { TenantSpec, clusterOfTarget, floatingIpPorts, tenantClusters } from "../../model/tenant/spec";
import { FloatingIp } from "./floatingIp";
import { TenantAddressPlan, planTenantAddresses } from "../../model/tenant/addressPlan";
import { TenantCluster } from "./tenantCluster";
import { TenantNetwork } from "./tenantNetwork";
import { TenantRouter } from "./tenantRouter";
import { TenantVm } from "./tenantVm";
import { TenantVpn, WIREGUARD_INTERFACE_GROUP } from "./tenantVpn";
import { Allocations, bindFloatingIps } from "../../model/tenant/allocations";

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
  /** The tenant's clusters by name. */
  public readonly clusters: Record<string, TenantCluster> = {};
  /** The only cluster, when the tenant has exactly one (what the single-cluster outputs show). */
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

    // Every tenant address (VM statics, kube-vip, IPAM pool, floating IP targets) from the spec alone.
    let plan: TenantAddressPlan;
    let addresses: Map<string, string>;
    try {
      plan = planTenantAddresses(spec);
      addresses = bindFloatingIps(spec, allocations);
    } catch (e) {
      throw fail((e as Error).message);
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
          address: plan.vmAddresses.get(v.name)!,
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

    for (const f of spec.floatingIps) {
      const t = plan.targets.get(f.name)!;
      this.floatingIpTable[f.name] = {
        address: addresses.get(f.name)!,
        target: t.address,
        targetKind: t.kind,
      };
    }

    // WireGuard VPN: clients route floating IPs and LANs into the tunnel; the router passes LANs and the floating
    // IPs' targets (what pf sees after the redirect).
    if (spec.vpn) {
      const reach: string[] = [];
      const firewallReach: string[] = [];
      for (const r of spec.vpn.reach) {
        if (r === "floatingIps") {
          for (const f of Object.values(this.floatingIpTable)) {
            reach.push(`${f.address}/32`);
            firewallReach.push(`${f.target}/32`);
          }
        } else {
          reach.push(this.network.lan(r).plan.cidr);
          firewallReach.push(this.network.lan(r).plan.cidr);
        }
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
          firewallReach,
          keepalive: spec.vpn.keepalive,
          dns: spec.vpn.reach.includes("lan1") ? [this.network.lan1.plan.gateway] : undefined,
          peers: spec.vpn.peers,
          dependsOn: ready,
        },
        { parent: this },
      );
    }
    const vpnReachesFloatingIps = !!spec.vpn?.reach.includes("floatingIps");

    // Floating IPs: VIP + 1:1 NAT with reflection (+ the helper for the target's own LAN) + WAN rules, and
    // redirects from the VPN when it reaches floating IPs.
    for (const f of spec.floatingIps) {
      const t = plan.targets.get(f.name)!;
      const lan = this.network.lan(t.lan);
      this.floatingIps[f.name] = new FloatingIp(
        `${name}-fip-${f.name}`,
        {
          connection,
          address: addresses.get(f.name)!,
          target: t.address,
          ports: floatingIpPorts(f),
          natReflection: true,
          lan: { interface: lan.routerInterface, network: lan.plan.cidr, gateway: lan.plan.gateway },
          vpnInterface: vpnReachesFloatingIps ? WIREGUARD_INTERFACE_GROUP : undefined,
          vpnDependsOn: vpnReachesFloatingIps ? [this.vpn!.server] : undefined,
          label: `${tenant}/${f.name}`,
          dependsOn: ready,
        },
        { parent: this },
      );
    }

    // Cluster API clusters on the management cluster: one provider for all, one TenantCluster each (in its own
    // namespace; the single cluster a tenant had keeps its resource names and namespace).
    const clusters = tenantClusters(spec);
    if (clusters.length) {
      if (args.cpiCredentials === undefined)
        throw fail(
          "cpiCredentials is required for a tenant cluster (the vCenter account of its vSphere CPI)",
        );
      const provider = new k8s.Provider(
        `${name}-mgmt`,
        {
          kubeconfig: pulumi.secret(pulumi.output(onprem.managementKubeconfig)),
          enableServerSideApply: true,
        },
        { parent: this },
      );
      for (const c of clusters) {
        const where = plan.clusters.get(c.spec.name)!;
        const endpointFip = spec.floatingIps.find((f) => {
          const t = clusterOfTarget(f.target, clusters);
          return t !== undefined && !("error" in t) && t.spec.name === c.spec.name;
        })!;
        this.clusters[c.spec.name] = new TenantCluster(
          c.legacy ? `${name}-cluster` : `${name}-cluster-${c.spec.name}`,
          {
            tenantName: tenant,
            spec: c.spec,
            namespace: c.namespace,
            lan: this.network.lan(where.lan),
            kubeVipAddress: where.kubeVip,
            ipamRange: where.ipamRange,
            endpointAddress: addresses.get(endpointFip.name)!,
            mtu: spec.network.mtu,
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
            // Nodes need DHCP/NAT on their LAN and the endpoint's 1:1 NAT (with reflection) before they boot.
            dependsOn: [...this.router.lanServices, this.floatingIps[endpointFip.name]],
          },
          { parent: this },
        );
      }
      if (clusters.length === 1) this.cluster = this.clusters[clusters[0].spec.name];
    }

    this.registerOutputs({
      routerWanAddress: this.router.wanAddress,
      floatingIps: this.floatingIpTable,
      clusterEndpoint: this.cluster?.endpoint,
      clusterEndpoints: Object.fromEntries(Object.entries(this.clusters).map(([n, c]) => [n, c.endpoint])),
      wireguardEndpoint: this.vpn?.endpoint,
    });
  }
}

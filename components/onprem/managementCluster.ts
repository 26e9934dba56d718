/**
 * ManagementCluster: the three-tier Talos management cluster on vSphere, joined to Omni.
 *  - control plane: `controlPlane.count` nodes (default 3 × 4 vCPU / 8 GB), kept apart by a DRS anti-affinity rule;
 *  - LB tier: exactly one node per ESXi host (2 vCPU / 4 GB), each pinned to its host by a DRS VM group, a host
 *    group and a mandatory VM-host rule; tainted so only load-balancer workloads run there;
 *  - workers (default 3 × 16 vCPU / 32 GB), kept apart by an anti-affinity rule; they run the platform services.
 * The Omni cluster template (machine classes by label) is synced with omnictl through `command.local.Command`,
 * and the cluster's kubeconfig comes from `omnictl kubeconfig` (or is given).
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as vsphere from "../../providers/vsphere";
import { TalosNode } from "./talosNode";
import { DEFAULT_SIZES, NodeSize, PlannedNode, TierSize, planNodes } from "./tiers";
import {
  LABEL_TIER,
  LB_REGISTER_TAINT,
  LB_TAINT_KEY,
  machineClassName,
  machineLabelsFor,
  renderClusterTemplate,
  renderMachineClasses,
} from "./clusterTemplate";
import {
  renderDeleteScript,
  renderKubeconfigScript,
  renderLabelLbNodesScript,
  renderSyncScript,
  sha256,
} from "./omnictlScripts";

/** An ESXi host of the compute cluster. */
export interface ClusterHost {
  /** Host name as in vCenter, e.g. `esx01.lab.local`. */
  name: string;
  /** Managed object id (`host-101`), from `getHostOutput`. */
  id: pulumi.Input<string>;
}

/** Omni access of the management cluster. */
export interface ManagementOmniArgs {
  /** Omni API endpoint (https URL): OMNI_ENDPOINT for omnictl. */
  endpoint: pulumi.Input<string>;
  /** Omni machine (SideroLink) API URL the nodes join through, e.g. `grpc://omni.example:8090`. */
  machineApiUrl: pulumi.Input<string>;
  /** Join token (secret). */
  joinToken: pulumi.Input<string>;
  /** Service account key (secret): OMNI_SERVICE_ACCOUNT_KEY for omnictl. */
  serviceAccountKey: pulumi.Input<string>;
  /** Event sink port in the overlay. Default 8091. */
  eventSinkPort?: number;
  /** Log server port in the overlay. Default 8092. */
  logServerPort?: number;
  /** Pass `--insecure-skip-tls-verify` to omnictl (lab Omni with a self-signed certificate). Default false. */
  insecureSkipTlsVerify?: boolean;
  /** How long the sync waits for the cluster to become ready (Go duration). Default 30m. */
  readyTimeout?: string;
}

/** Arguments of {@link ManagementCluster}. */
export interface ManagementClusterArgs {
  /** Omni cluster name and VM name prefix. Default: the resource name. */
  clusterName?: string;
  computeClusterId: pulumi.Input<string>;
  resourcePoolId: pulumi.Input<string>;
  datastoreId: pulumi.Input<string>;
  /** VM folder path of the nodes. Default: datacenter root. */
  folder?: pulumi.Input<string>;
  /** Port group of the nodes (the WAN / control network). */
  networkId: pulumi.Input<string>;
  /** ESXi hosts of the compute cluster; one LB node runs on each. Required, non-empty. */
  hosts: ClusterHost[];
  /** Talos template VM. */
  template: {
    uuid: pulumi.Input<string>;
    guestId: pulumi.Input<string>;
    firmware?: pulumi.Input<string | undefined>;
  };
  /** Control plane. Default 3 × 4 vCPU / 8192 MB / 40 GB. */
  controlPlane?: Partial<TierSize>;
  /** LB tier node size (count = number of hosts). Default 2 vCPU / 4096 MB / 20 GB. */
  lb?: Partial<NodeSize>;
  /** Workers. Default 3 × 16 vCPU / 32768 MB / 200 GB. */
  workers?: Partial<TierSize>;
  /** Kubernetes version pinned in the template. Default v1.34.2. */
  kubernetesVersion?: string;
  /** Talos version pinned in the template. Default v1.11.5. */
  talosVersion?: string;
  /** NIC MTU. Default 1500. */
  mtu?: number;
  /** DNS servers. Default: DHCP. */
  nameservers?: string[];
  /** NTP servers. Default: Talos's. */
  ntpServers?: string[];
  podSubnets?: string[];
  serviceSubnets?: string[];
  omni: ManagementOmniArgs;
  /** A kubeconfig to use instead of fetching one with omnictl (secret). Default: fetched. */
  kubeconfig?: pulumi.Input<string>;
}

/** The management cluster. */
export class ManagementCluster extends pulumi.ComponentResource {
  /** Every node, by VM name. */
  readonly nodes: Record<string, TalosNode> = {};
  /** The planned nodes (tier, size, host). */
  readonly plan: PlannedNode[];
  /** The rendered Omni cluster template. */
  readonly template: string;
  /** The rendered machine classes. */
  readonly machineClasses: string;
  /** The command that syncs the template. */
  readonly sync: command.local.Command;
  /** The cluster's kubeconfig (secret). */
  readonly kubeconfig: pulumi.Output<string>;
  /** Omni cluster name. */
  readonly clusterName: string;

  constructor(name: string, args: ManagementClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("basphere:onprem:ManagementCluster", name, {}, opts);
    const cluster = args.clusterName ?? name;
    this.clusterName = cluster;
    const controlPlane: TierSize = { ...DEFAULT_SIZES.controlplane, ...args.controlPlane };
    const lb: NodeSize = { ...DEFAULT_SIZES.lb, ...args.lb };
    const workers: TierSize = { ...DEFAULT_SIZES.worker, ...args.workers };
    const kubernetesVersion = args.kubernetesVersion ?? "v1.34.2";
    const talosVersion = args.talosVersion ?? "v1.11.5";
    const omnictlFlags = args.omni.insecureSkipTlsVerify ? ["--insecure-skip-tls-verify"] : [];

    try {
      if (!args.hosts?.length)
        throw new Error(
          "hosts is empty: list the ESXi hosts of the compute cluster (one LB node runs on each)",
        );
      this.plan = planNodes({
        prefix: cluster.toLowerCase(),
        hosts: args.hosts.map((h) => h.name),
        controlPlane,
        lb,
        workers,
      });
      this.template = renderClusterTemplate({
        name: cluster,
        kubernetesVersion,
        talosVersion,
        controlPlaneCount: controlPlane.count,
        lbCount: args.hosts.length,
        workerCount: workers.count,
        mtu: args.mtu,
        nameservers: args.nameservers,
        ntpServers: args.ntpServers,
        podSubnets: args.podSubnets,
        serviceSubnets: args.serviceSubnets,
      });
      this.machineClasses = renderMachineClasses(cluster);
    } catch (e) {
      throw new pulumi.ResourceError(`ManagementCluster ${name}: ${(e as Error).message}`, this);
    }

    const omniEnv = {
      OMNI_ENDPOINT: args.omni.endpoint,
      OMNI_SERVICE_ACCOUNT_KEY: pulumi.secret(args.omni.serviceAccountKey),
    };
    const hostIds = new Map(args.hosts.map((h) => [h.name, h.id]));
    for (const n of this.plan) {
      this.nodes[n.name] = new TalosNode(
        n.name,
        {
          vmName: n.name,
          tier: n.tier,
          cpus: n.cpus,
          memoryMb: n.memoryMb,
          diskGb: n.diskGb,
          resourcePoolId: args.resourcePoolId,
          datastoreId: args.datastoreId,
          folder: args.folder,
          hostSystemId: n.host ? hostIds.get(n.host) : undefined,
          networkId: args.networkId,
          template: args.template,
          join: {
            machineApiUrl: args.omni.machineApiUrl,
            joinToken: args.omni.joinToken,
            eventSinkPort: args.omni.eventSinkPort,
            logServerPort: args.omni.logServerPort,
          },
          labels: machineLabelsFor(cluster, n.tier),
          omni: {
            endpoint: args.omni.endpoint,
            serviceAccountKey: args.omni.serviceAccountKey,
            omnictlFlags,
          },
        },
        { parent: this },
      );
    }

    // --- DRS: pin each LB node to its host; keep control-plane nodes and workers apart. -----------------------
    const drsRules: pulumi.Resource[] = [];
    for (const n of this.plan.filter((p) => p.tier === "lb")) {
      const node = this.nodes[n.name];
      const vmGroup = new vsphere.ComputeClusterVmGroup(
        `${n.name}-vmgroup`,
        { computeClusterId: args.computeClusterId, name: `${n.name}-vms`, virtualMachineIds: [node.vmId] },
        { parent: this },
      );
      const hostGroup = new vsphere.ComputeClusterHostGroup(
        `${n.name}-hostgroup`,
        {
          computeClusterId: args.computeClusterId,
          name: `${n.name}-host`,
          hostSystemIds: [hostIds.get(n.host!)!],
        },
        { parent: this },
      );
      drsRules.push(
        new vsphere.ComputeClusterVmHostRule(
          `${n.name}-pin`,
          {
            computeClusterId: args.computeClusterId,
            name: `${n.name}-on-${n.host}`,
            vmGroupName: vmGroup.name,
            affinityHostGroupName: hostGroup.name,
            mandatory: true,
            enabled: true,
          },
          { parent: this },
        ),
      );
    }
    const hostCount = args.hosts.length;
    for (const tier of ["controlplane", "worker"] as const) {
      const members = this.plan.filter((p) => p.tier === tier);
      if (members.length < 2) continue;
      drsRules.push(
        new vsphere.ComputeClusterVmAntiAffinityRule(
          `${cluster}-${tier}-apart`,
          {
            computeClusterId: args.computeClusterId,
            name: `${cluster}-${tier}-anti-affinity`,
            virtualMachineIds: members.map((m) => this.nodes[m.name].vmId),
            // A mandatory rule with more VMs than hosts would keep VMs powered off; then it is a preference.
            mandatory: members.length <= hostCount,
            enabled: true,
          },
          { parent: this },
        ),
      );
    }

    // --- Omni: machine classes + template sync (re-runs when the template changes; delete removes the cluster).
    const templateHash = sha256(this.machineClasses + "\n---\n" + this.template);
    const syncScript = renderSyncScript({
      cluster,
      template: this.template,
      machineClasses: this.machineClasses,
      omnictlFlags,
      waitFor: args.omni.readyTimeout,
    });
    const labelCommands = Object.values(this.nodes)
      .map((n) => n.labelCommand)
      .filter((c): c is command.local.Command => c !== undefined);
    this.sync = new command.local.Command(
      `${cluster}-template-sync`,
      {
        create: syncScript,
        update: syncScript,
        delete: renderDeleteScript({
          cluster,
          template: this.template,
          machineClasses: this.machineClasses,
          omnictlFlags,
          machineClassIds: (["controlplane", "lb", "worker"] as const).map((t) =>
            machineClassName(cluster, t),
          ),
        }),
        environment: { ...omniEnv, BASPHERE_TEMPLATE_SHA256: templateHash },
        triggers: [templateHash],
        logging: "stdoutAndStderr",
      },
      { parent: this, dependsOn: [...labelCommands, ...drsRules] },
    );

    if (args.kubeconfig !== undefined) {
      this.kubeconfig = pulumi.secret(pulumi.output(args.kubeconfig));
    } else {
      const kc = new command.local.Command(
        `${cluster}-kubeconfig`,
        {
          create: renderKubeconfigScript({ cluster, omnictlFlags }),
          environment: omniEnv,
          triggers: [cluster],
          logging: "stderr",
        },
        { parent: this, dependsOn: [this.sync], additionalSecretOutputs: ["stdout"] },
      );
      this.kubeconfig = pulumi.secret(kc.stdout);
    }

    // The conventional role label and the taint on the LB nodes, with admin credentials (see the script).
    const lbScript = renderLabelLbNodesScript(LABEL_TIER, LB_TAINT_KEY, LB_REGISTER_TAINT);
    new command.local.Command(
      `${cluster}-lb-role-label`,
      {
        create: lbScript,
        update: lbScript,
        environment: { KUBECONFIG_CONTENT: this.kubeconfig },
        triggers: [hostCount, sha256(lbScript)],
        logging: "stderr",
      },
      { parent: this, dependsOn: [this.sync] },
    );

    this.registerOutputs({ clusterName: cluster, kubeconfig: this.kubeconfig, templateSha256: templateHash });
  }
}

/**
 * The `onprem` stack's config: its schema (zod), defaults and cross-field rules — every key of
 * stacks/Pulumi.onprem.yaml, documented in docs/config/onprem.md (generated from this schema). Pure: no resources;
 * the program (onprem.ts) parses its config with it.
 */
import { z } from "zod";
import { ipv4String } from "../model/net/ipv4";
import * as ipaddr from "ipaddr.js";
import { DEFAULT_SIZES } from "../components/onprem/tiers";
import {
  CHARTS,
  HARBOR_SECRET_KEY_PATTERN,
  KNOWN_DEFAULT_SECRET_VALUES,
  ServiceKey,
} from "../components/onprem/platformCharts";
import {
  AUTOMATION_SERVICE_DEFAULTS,
  imagePinProblem,
} from "../components/onprem/automationServiceManifests";
import { DEFAULT_ROUTER_TEMPLATE } from "../model/contracts";
import { sha256Fingerprint } from "../model/tenant/fields";

const required = (what: string) => ({
  error: (iss: { input: unknown }) => (iss.input === undefined ? `required: ${what}` : undefined),
});

const dnsName = z
  .string()
  .regex(
    /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/,
    "must be a host name such as esx01.lab.local",
  );
const version = z.string().regex(/^v\d+\.\d+\.\d+$/, "must look like v1.2.3");
const url = (protocols: string[], what = "a URL") =>
  z.string(required(what)).refine(
    (s) => {
      try {
        const u = new URL(s);
        return protocols.includes(u.protocol.replace(/:$/, "")) && u.hostname !== "";
      } catch {
        return false;
      }
    },
    `must be a ${protocols.map((p) => p + "://").join(" or ")} URL`,
  );
const port = z.number().int().min(1).max(65535);

const ipv4 = ipv4String();
const cidr = z.string().refine((s) => ipaddr.isValidCIDR(s), "must be a CIDR such as 10.244.0.0/16");
/** MetalLB address: a CIDR or a range `a.b.c.d-e.f.g.h`. */
const poolRange = z.string().refine((s) => {
  const parts = s.split("-");
  if (parts.length === 2) {
    if (!parts.every((p) => ipaddr.isValid(p.trim()))) return false;
    const [a, b] = parts.map((p) => ipaddr.parse(p.trim()).toByteArray());
    return a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0;
  }
  return ipaddr.isValidCIDR(s);
}, "must be a CIDR (192.168.200.192/27) or a range (192.168.200.200-192.168.200.220)");

const nodeSize = (d: { cpus: number; memoryMb: number; diskGb: number }) => ({
  cpus: z.number().int().min(1).max(128).default(d.cpus).describe("vCPUs per node"),
  memoryMb: z.number().int().min(1024).default(d.memoryMb).describe("Memory per node in MiB"),
  diskGb: z.number().int().min(10).default(d.diskGb).describe("System disk per node in GB"),
});

const service = z
  .union([
    z.boolean(),
    z.strictObject({
      enabled: z.boolean().default(true).describe("Whether the service is installed"),
      version: z.string().min(1).optional().describe("Helm chart version; default: the pinned one"),
      values: z
        .record(z.string(), z.unknown())
        .optional()
        .describe("Extra Helm values merged over the built-in ones"),
    }),
  ])
  .transform((v) => (typeof v === "boolean" ? { enabled: v } : v));
const serviceKeys = Object.keys(CHARTS) as ServiceKey[];

/** A service credential (secret): at least 8 characters and never the chart's published default. */
const credential = z
  .string()
  .min(8, "must be at least 8 characters")
  .refine((s) => !KNOWN_DEFAULT_SECRET_VALUES.includes(s), "must not be the chart's published default");

/** Secrets each switchable service needs while it is enabled. */
const SERVICE_SECRETS = {
  harbor: ["harborAdminPassword", "harborSecretKey", "harborDatabasePassword", "harborRegistryPassword"],
  gitea: ["giteaAdminPassword", "giteaDatabasePassword", "giteaValkeyPassword"],
} as const;

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS label (a Kubernetes object name)");
const quantity = z.string().regex(/^(\d+(\.\d+)?)(Mi|Gi|Ti)$/, "must be a size such as 10Gi (Mi, Gi or Ti)");

/** The automation service on the management cluster's workers (components/onprem/automationService.ts). */
const automationService = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Deploy the automation service and its PostgreSQL"),
    replicas: z
      .number()
      .int()
      .min(2, "must be at least 2 (one node or rollout never stops the service)")
      .max(20)
      .default(AUTOMATION_SERVICE_DEFAULTS.replicas)
      .describe("Replicas of the service, one per worker (at least 2)"),
    image: z
      .string()
      .superRefine((s, ctx) => {
        const problem = imagePinProblem(s);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional()
      .describe(
        "The service image, pinned by a tag (not latest) or a digest; built by the operator's CI from deploy/automation-service/Dockerfile; required while enabled",
      ),
    namespace: k8sName
      .default(AUTOMATION_SERVICE_DEFAULTS.namespace)
      .describe("Namespace of the service and its database"),
    secretName: k8sName
      .default(AUTOMATION_SERVICE_DEFAULTS.secretName)
      .describe(
        "Secret the operator creates in the namespace before pulumi up, keys admin-token and pulumi-config-passphrase",
      ),
    postgres: z
      .strictObject({
        instances: z
          .number()
          .int()
          .min(1)
          .max(9)
          .default(AUTOMATION_SERVICE_DEFAULTS.postgres.instances)
          .describe("PostgreSQL instances (CloudNativePG), each on its own worker"),
        storageSize: quantity
          .default(AUTOMATION_SERVICE_DEFAULTS.postgres.storageSize)
          .describe("Volume size of each instance"),
        storageClass: k8sName
          .optional()
          .describe("Storage class of the volumes; default: the cluster's default"),
      })
      .prefault({})
      .describe("The service's PostgreSQL store (CloudNativePG Cluster)"),
  })
  .optional()
  .describe("The automation service on the management cluster's workers; default: not deployed");

/** The `onprem` stack's config schema. */
export const configSchema = z
  .object({
    kind: z.literal("onprem").describe("Stack kind; always onprem for this stack"),
    vcenter: z
      .strictObject(
        {
          server: dnsName.or(ipv4).describe("vCenter host name or IPv4 address"),
          thumbprint: z
            .string()
            .regex(
              /^([0-9A-Fa-f]{2}:){19}[0-9A-Fa-f]{2}$/,
              "must be the SHA-1 thumbprint of the vCenter certificate (20 hex pairs separated by ':')",
            )
            .describe("SHA-1 thumbprint of the vCenter certificate (20 hex pairs separated by ':')"),
        },
        required("vcenter {server, thumbprint}"),
      )
      .describe("The vCenter to build in"),
    datacenter: z.string(required("the vSphere datacenter name")).min(1).describe("vSphere datacenter name"),
    computeCluster: z
      .string(required("the vSphere compute cluster name"))
      .min(1)
      .describe("vSphere compute cluster the management cluster runs on"),
    hosts: z
      .array(dnsName, required("the ESXi host names of the compute cluster (one LB node runs on each)"))
      .min(1, "list at least one ESXi host (one LB node runs on each)")
      .refine((h) => new Set(h).size === h.length, "lists a host twice")
      .describe("ESXi host names of the compute cluster; one load-balancer node is pinned to each"),
    datastore: z
      .string(required("the datastore for the management cluster's disks"))
      .min(1)
      .describe("vSphere datastore for the management cluster's disks"),
    distributedSwitch: z
      .string(required("the distributed switch name"))
      .min(1)
      .describe("Distributed switch that holds the WAN and tenant port groups"),
    wan: z
      .strictObject(
        {
          portGroup: z
            .string()
            .min(1)
            .describe("Name of the WAN (control network) port group on the distributed switch"),
          vlanId: z.number().int().min(1).max(4094).default(2000).describe("VLAN ID of the WAN port group"),
        },
        required("wan {portGroup, vlanId}"),
      )
      .describe("The WAN (control) network the management cluster and tenant routers sit on"),
    folder: z
      .string()
      .regex(/^[^/]+(\/[^/]+)*$/, "must be a VM folder path such as basphere")
      .default("basphere")
      .describe("vSphere VM folder path for all Basphere VMs"),
    talosTemplate: z
      .string(required("the Talos OVA template VM name"))
      .min(1)
      .describe("Name of the Talos OVA template VM the management nodes are cloned from"),
    omni: z
      .strictObject(
        {
          endpoint: url(["https"], "the Omni API URL, e.g. https://omni.example.com").describe(
            "Omni API URL, e.g. https://omni.example.com",
          ),
          machineApiUrl: url(
            ["grpc", "https", "http"],
            "the Omni machine API URL, e.g. grpc://omni.example.com:8090",
          ).describe(
            "Omni machine (SideroLink) API URL nodes join through, e.g. grpc://omni.example.com:8090",
          ),
          eventSinkPort: port.default(8091).describe("Omni event sink port in the SideroLink overlay"),
          logServerPort: port.default(8092).describe("Omni log server port in the SideroLink overlay"),
          insecureSkipTlsVerify: z
            .boolean()
            .default(false)
            .describe("Pass --insecure-skip-tls-verify to omnictl (Omni with a self-signed certificate)"),
          readyTimeout: z
            .string()
            .regex(/^\d+[smh]$/, "must be a duration such as 30m")
            .default("30m")
            .describe(
              "How long to wait for the management cluster to become ready (duration with s, m or h)",
            ),
        },
        required("omni {endpoint, machineApiUrl}"),
      )
      .describe("The Omni instance the management cluster joins"),
    omniJoinToken: z
      .string(required("the Omni join token (pulumi config set --secret basphere:omniJoinToken …)"))
      .min(1)
      .describe("secret: Omni join token the management nodes join with"),
    omniServiceAccountKey: z
      .string(
        required("an Omni service account key (pulumi config set --secret basphere:omniServiceAccountKey …)"),
      )
      .min(1)
      .describe("secret: Omni service account key omnictl uses (OMNI_SERVICE_ACCOUNT_KEY)"),
    managementKubeconfig: z
      .string()
      .min(1)
      .optional()
      .describe("secret: kubeconfig of the management cluster to use instead of fetching one with omnictl"),
    cluster: z
      .strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/, "must be a DNS label of at most 42 characters")
          .default("basphere-mgmt")
          .describe("Management cluster name (DNS label, at most 42 characters)"),
        kubernetesVersion: version
          .default("v1.34.2")
          .describe("Kubernetes version of the management cluster, e.g. v1.34.2"),
        talosVersion: version
          .default("v1.11.5")
          .describe("Talos version of the management nodes, e.g. v1.11.5"),
        mtu: z
          .number()
          .int()
          .min(1280)
          .max(9000)
          .default(1500)
          .describe("MTU of the nodes' network interfaces in bytes"),
        nameservers: z.array(ipv4).optional().describe("IPv4 DNS servers of the nodes; default: from DHCP"),
        ntpServers: z
          .array(z.string().min(1))
          .optional()
          .describe("NTP servers of the nodes; default: Talos's"),
        podSubnets: z.array(cidr).optional().describe("Pod network CIDRs; default: Talos's"),
        serviceSubnets: z.array(cidr).optional().describe("Service network CIDRs; default: Talos's"),
        controlPlane: z
          .strictObject({
            count: z
              .number()
              .int()
              .min(1)
              .max(7)
              .refine((n) => n % 2 === 1, "must be odd (1, 3 or 5) so etcd keeps quorum")
              .default(DEFAULT_SIZES.controlplane.count)
              .describe("Number of control plane nodes (odd: 1, 3, 5 or 7)"),
            ...nodeSize(DEFAULT_SIZES.controlplane),
          })
          .prefault({})
          .describe("Control plane nodes: count and size"),
        lb: z
          .strictObject(nodeSize(DEFAULT_SIZES.lb))
          .prefault({})
          .describe("Load-balancer nodes (one per ESXi host): size"),
        workers: z
          .strictObject({
            count: z
              .number()
              .int()
              .min(0)
              .default(DEFAULT_SIZES.worker.count)
              .describe("Number of worker nodes"),
            ...nodeSize(DEFAULT_SIZES.worker),
          })
          .prefault({})
          .describe("Worker nodes: count and size"),
      })
      .prefault({})
      .describe("The Talos management cluster"),
    services: z
      .strictObject(
        Object.fromEntries(
          serviceKeys.map((k) => [
            k,
            service.optional().describe(`${k}: true, false or {enabled, version, values}; default on`),
          ]),
        ) as Record<ServiceKey, z.ZodOptional<typeof service>>,
      )
      .default({})
      .describe("Platform services to switch on or off or tune, by name"),
    loadBalancer: z
      .strictObject({
        addresses: z
          .array(poolRange)
          .min(1, "list at least one address range")
          .describe("MetalLB address pools: CIDRs or ranges a.b.c.d-e.f.g.h"),
      })
      .optional()
      .describe("MetalLB addresses; required while services.metallb is on"),
    harborExternalUrl: url(["https", "http"])
      .default("https://harbor.local")
      .describe("External URL of Harbor"),
    harborAdminPassword: credential
      .optional()
      .describe("secret: Harbor admin password (at least 8 characters); required while Harbor is on"),
    /** Harbor's encryption key (`secretKey`): exactly 16 printable ASCII characters. */
    harborSecretKey: z
      .string()
      .regex(
        HARBOR_SECRET_KEY_PATTERN,
        "must be exactly 16 printable ASCII characters, no spaces (Harbor's encryption key)",
      )
      .refine((s) => !KNOWN_DEFAULT_SECRET_VALUES.includes(s), "must not be the chart's published default")
      .optional()
      .describe(
        "secret: Harbor's encryption key, exactly 16 printable ASCII characters; required while Harbor is on",
      ),
    /** Superuser password of Harbor's internal PostgreSQL. */
    harborDatabasePassword: credential
      .optional()
      .describe("secret: superuser password of Harbor's internal PostgreSQL; required while Harbor is on"),
    /** Password Harbor's core and jobservice use against its registry. */
    harborRegistryPassword: credential
      .optional()
      .describe(
        "secret: password Harbor's core and jobservice use against its registry; required while Harbor is on",
      ),
    giteaAdminPassword: credential
      .optional()
      .describe("secret: Gitea admin password (at least 8 characters); required while Gitea is on"),
    /** Password of Gitea's bundled PostgreSQL. */
    giteaDatabasePassword: credential
      .optional()
      .describe("secret: password of Gitea's bundled PostgreSQL; required while Gitea is on"),
    /** Password of Gitea's bundled Valkey. */
    giteaValkeyPassword: credential
      .optional()
      .describe("secret: password of Gitea's bundled Valkey; required while Gitea is on"),
    capvUsername: z
      .string()
      .min(1)
      .optional()
      .describe("vCenter user CAPV provisions tenant clusters with; required with tenantClusters.identity"),
    capvPassword: z.string().min(1).optional().describe("secret: password of capvUsername"),
    /** The golden OPNsense template every tenant router is cloned from (platform-wide tenant setting). */
    routerTemplate: z
      .strictObject(
        {
          /** Template VM name. Default `opnsense-26.7-golden`. */
          name: z
            .string()
            .min(1)
            .default(DEFAULT_ROUTER_TEMPLATE)
            .describe("VM name of the golden OPNsense template"),
          /** The template's shared API key and secret (secrets); each router rotates them away after first boot. */
          apiKey: z
            .string(required("the golden template's API key (pulumi config set --secret --path …apiKey)"))
            .min(1, "must not be empty")
            .describe("secret: the golden template's API key"),
          apiSecret: z
            .string(
              required("the golden template's API secret (pulumi config set --secret --path …apiSecret)"),
            )
            .min(1, "must not be empty")
            .describe("secret: the golden template's API secret"),
          /** SHA-256 fingerprint of the template's web GUI certificate. Default: trust the system CA store. */
          fingerprint: sha256Fingerprint
            .optional()
            .describe(
              "SHA-256 fingerprint of the template's web GUI certificate (64 hex digits); default: trust the system CA store",
            ),
        },
        required("routerTemplate {name, apiKey, apiSecret, fingerprint}: the golden OPNsense template"),
      )
      .describe("The golden OPNsense template every tenant router is cloned from"),
    automationService,
    /** Settings every tenant cluster shares. */
    tenantClusters: z
      .strictObject(
        {
          /**
           * A VSphereClusterIdentity for tenant clusters, created here with the capvUsername/capvPassword account.
           * Default: none (CAPV's own credentials).
           */
          identity: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS label (a Kubernetes object name)")
            .optional()
            .describe(
              "Name of the VSphereClusterIdentity created for tenant clusters with capvUsername/capvPassword; default: CAPV's own credentials",
            ),
          /** Restricted vCenter account for the tenant clusters' vSphere cloud provider (CPI) (secrets). */
          cpiUsername: z
            .string(required("the vCenter account of tenant clusters' vSphere cloud provider"))
            .min(1, "must not be empty")
            .describe("secret: restricted vCenter user of the tenant clusters' vSphere cloud provider (CPI)"),
          cpiPassword: z
            .string(required("its password (pulumi config set --secret --path …cpiPassword)"))
            .min(1, "must not be empty")
            .describe("secret: password of cpiUsername"),
        },
        required("tenantClusters {identity, cpiUsername, cpiPassword}"),
      )
      .describe("Settings every tenant cluster shares"),
  })
  .superRefine((c, ctx) => {
    const on = (k: ServiceKey) => c.services[k]?.enabled !== false;
    if (on("metallb") && !c.loadBalancer) {
      ctx.addIssue({
        code: "custom",
        path: ["loadBalancer"],
        message: "required while services.metallb is enabled: loadBalancer {addresses: [...]}",
      });
    }
    for (const [svc, keys] of Object.entries(SERVICE_SECRETS) as [ServiceKey, readonly string[]][]) {
      if (!on(svc)) continue;
      for (const key of keys) {
        if (c[key as keyof typeof c] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `required (secret: pulumi config set --secret basphere:${key} …) while services.${svc} is enabled`,
          });
        }
      }
    }
    if (c.tenantClusters.identity !== undefined) {
      // The onprem stack creates the identity tenant clusters reference; it needs CAPV and an account for it.
      if (!on("clusterApi")) {
        ctx.addIssue({
          code: "custom",
          path: ["tenantClusters", "identity"],
          message: "needs services.clusterApi enabled (the identity is a CAPV object)",
        });
      }
      if (c.capvUsername === undefined || c.capvPassword === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["tenantClusters", "identity"],
          message: "needs capvUsername and capvPassword: the identity's vCenter account (or omit identity)",
        });
      }
    }
    const svc = c.automationService;
    if (svc?.enabled) {
      if (svc.image === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["automationService", "image"],
          message:
            "required while automationService is enabled: the pinned image the operator's CI built (…/automation-service:0.1.0)",
        });
      }
      // Required anti-affinity: a rolling update's extra pod needs a worker without a replica.
      const workers = c.cluster.workers.count;
      if (svc.replicas + 1 > workers) {
        ctx.addIssue({
          code: "custom",
          path: ["automationService", "replicas"],
          message: `needs replicas + 1 workers (one replica per worker, one more for a rolling update); cluster.workers.count is ${workers}`,
        });
      }
      if (svc.postgres.instances > workers) {
        ctx.addIssue({
          code: "custom",
          path: ["automationService", "postgres", "instances"],
          message: `needs one worker per instance; cluster.workers.count is ${workers}`,
        });
      }
    }
    if ((c.capvPassword === undefined) !== (c.capvUsername === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [c.capvUsername ? "capvPassword" : "capvUsername"],
        message: "capvUsername and capvPassword go together",
      });
    }
  });

export type OnpremConfig = z.infer<typeof configSchema>;

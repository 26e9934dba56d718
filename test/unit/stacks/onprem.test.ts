import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { harness, resolve } from "../../harness";
import { onpremExampleValues as exampleValues } from "../components/onprem/fixtures";
import { onpremOutputKeys } from "../../../model/contracts";
import { ConfigError, parseConfig } from "../../../stacks/config";
import { KNOWN_DEFAULT_SECRET_VALUES } from "../../../components/onprem/platformCharts";

// Loaded lazily: the stack module loads the providers, which must see the mocks first.
const stack = () => require("../../../stacks/onprem") as typeof import("../../../stacks/onprem");

describe("onprem stack", () => {
  let outputs: Record<string, pulumi.Input<unknown>>;
  before(async () => {
    outputs = await harness.run(() => stack().run({ values: exampleValues(), secretKeys: new Set() }));
  });

  it("exports exactly the OnpremOutputs contract keys with the inventory's values", async () => {
    assert.deepEqual(Object.keys(outputs).sort(), [...onpremOutputKeys].sort());
    const plain: Record<string, unknown> = {};
    for (const k of onpremOutputKeys) plain[k] = await resolve(outputs[k]);
    assert.equal(plain.datacenterName, "dc1");
    assert.equal(plain.datacenterId, "datacenter-3");
    assert.equal(plain.computeClusterName, "cluster1");
    assert.equal(plain.computeClusterId, "domain-c8");
    assert.equal(plain.resourcePoolId, "resgroup-8");
    assert.equal(plain.datastoreName, "vsan-ds");
    assert.equal(plain.datastoreId, "datastore-21");
    assert.equal(plain.folderPath, "basphere");
    assert.equal(plain.distributedSwitchName, "dvs-main");
    assert.equal(plain.distributedSwitchUuid, "50 2a 6b 1f 0c 9e 44 d2-8a 61 3b 0e 7f 52 c1 90");
    assert.equal(plain.wanPortGroupName, "pg-wan");
    assert.equal(plain.wanPortGroupId, "dvportgroup-2000");
    assert.equal(plain.wanVlanId, 2000);
    assert.equal(plain.omniEndpoint, "https://omni.basphere.example");
    assert.equal(plain.vcenterServer, "vcenter.lab.local");
    assert.match(String(plain.managementKubeconfig), /kind: Config/);
    assert.equal(await pulumi.isSecret(pulumi.output(outputs.managementKubeconfig)), true);
  });

  it("builds 3 control-plane, 6 LB (one per configured host) and 3 worker VMs in the management folder", () => {
    const vms = harness.ofType("VirtualMachine");
    assert.equal(vms.length, 12);
    assert.equal(harness.ofType("ComputeClusterVmHostRule").length, 6);
    const lbHosts = vms
      .filter((v) => v.name.includes("-lb-"))
      .map((v) => v.inputs.hostSystemId)
      .sort();
    assert.deepEqual(lbHosts, ["host-101", "host-102", "host-103", "host-104", "host-105", "host-106"]);
    for (const v of vms) {
      assert.equal(v.inputs.folder, "basphere/basphere-mgmt");
      assert.equal(v.inputs.datastoreId, "datastore-21");
      assert.equal(v.inputs.resourcePoolId, "resgroup-8");
      assert.equal(v.inputs.networkInterfaces[0].networkId, "dvportgroup-2000");
      assert.equal(v.inputs.guestId, "other5xLinux64Guest");
    }
    const hostLookups = harness.invokes
      .filter((i) => i.token === "vsphere:index/getHost:getHost")
      .map((i) => i.args.name);
    assert.equal(hostLookups.length, 6);
  });

  it("installs the platform services after the template sync", () => {
    // 9 platform services and the CloudNativePG operator of the automation service.
    const releases = harness.ofType("kubernetes:helm.sh/v3:Release");
    assert.equal(releases.length, 10);
    assert.equal(releases.filter((r) => r.name.startsWith("platform-")).length, 9);
    const providers = harness.ofType("pulumi:providers:kubernetes");
    assert.equal(providers.length, 1, "one provider for the management cluster");
    assert.ok(providers[0].dependsOn.includes(harness.get("basphere-mgmt-template-sync", "Command").urn));
  });

  it("deploys the automation service from the example's pinned image on the management cluster's provider", () => {
    const provider = harness.ofType("pulumi:providers:kubernetes")[0];
    const deployment = harness.get("automation-deployment", "kubernetes:apps/v1:Deployment");
    assert.equal(
      deployment.inputs.spec.template.spec.containers[0].image,
      "registry.example.internal/basphere/automation-service:0.1.0",
    );
    assert.equal(deployment.inputs.spec.replicas, 2);
    assert.equal(deployment.inputs.metadata.namespace, "basphere-system");
    const cluster = harness.get("automation-postgres", "kubernetes:postgresql.cnpg.io/v1:Cluster");
    assert.equal(cluster.inputs.spec.instances, 3);
    assert.equal(cluster.inputs.spec.storage.size, "10Gi");
    for (const r of [deployment, cluster, harness.get("automation-cnpg", "kubernetes:helm.sh/v3:Release")])
      assert.ok(String(r.options.provider).startsWith(provider.urn), r.name);
    const env = deployment.inputs.spec.template.spec.containers[0].env;
    assert.ok(
      env
        .filter((e: any) => e.name !== "HOME" && e.name !== "BASPHERE_REPLICA_ID")
        .every((e: any) => e.valueFrom?.secretKeyRef),
    );
  });

  it("checks the automationService key, naming the field", () => {
    const { configSchema } = stack();
    const bad = (mutate: (s: Record<string, any>, v: Record<string, any>) => void) => {
      const v = exampleValues();
      mutate(v.automationService, v);
      try {
        parseConfig(configSchema, v, "onprem stack config");
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.message;
      }
      assert.fail("config was accepted");
    };
    assert.match(
      bad((s) => delete s.image),
      /basphere:automationService\.image: required while automationService is enabled/,
    );
    assert.match(
      bad((s) => (s.image = "registry.example.internal/basphere/automation-service:latest")),
      /basphere:automationService\.image: must not use the tag "latest"/,
    );
    assert.match(
      bad((s) => (s.image = "registry.example.internal/basphere/automation-service")),
      /basphere:automationService\.image: has no tag or digest/,
    );
    assert.match(
      bad((s) => (s.replicas = 1)),
      /basphere:automationService\.replicas: must be at least 2/,
    );
    assert.match(
      bad((s) => (s.replicas = 3)),
      /basphere:automationService\.replicas: needs replicas \+ 1 workers .* cluster\.workers\.count is 3/,
    );
    assert.match(
      bad((s) => (s.postgres.instances = 4)),
      /basphere:automationService\.postgres\.instances: needs one worker per instance/,
    );
    assert.match(
      bad((s) => (s.postgres.storageSize = "10G")),
      /basphere:automationService\.postgres\.storageSize: must be a size such as 10Gi/,
    );
    assert.match(
      bad((s) => (s.secretName = "Ops_Secret")),
      /basphere:automationService\.secretName: must be a DNS label/,
    );
    assert.match(
      bad((s) => (s.replcias = 2)),
      /basphere:automationService/,
    );
    // Switched off (or absent), it needs no image and deploys nothing.
    const off = exampleValues();
    off.automationService = { enabled: false };
    assert.equal(parseConfig(configSchema, off).automationService?.enabled, false);
    const none = exampleValues();
    delete none.automationService;
    assert.equal(parseConfig(configSchema, none).automationService, undefined);
    const defaults = exampleValues();
    defaults.automationService = { image: "registry.example.internal/basphere/automation-service:0.1.0" };
    assert.deepEqual(parseConfig(configSchema, defaults).automationService, {
      enabled: true,
      replicas: 2,
      image: "registry.example.internal/basphere/automation-service:0.1.0",
      namespace: "basphere-system",
      secretName: "basphere-automation-service",
      postgres: { instances: 3, storageSize: "10Gi" },
    });
  });

  it("rejects bad config naming the key", () => {
    const { configSchema } = stack();
    const bad = (mutate: (v: Record<string, any>) => void) => {
      const v = exampleValues() as Record<string, any>;
      mutate(v);
      try {
        parseConfig(configSchema, v, "onprem stack config");
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.message;
      }
      assert.fail("config was accepted");
    };
    assert.match(
      bad((v) => delete v.hosts),
      /basphere:hosts: required: the ESXi host names/,
    );
    assert.match(
      bad((v) => (v.hosts = [])),
      /basphere:hosts: list at least one ESXi host/,
    );
    assert.match(
      bad((v) => (v.cluster.controlPlane.count = 2)),
      /basphere:cluster\.controlPlane\.count: must be odd/,
    );
    assert.match(
      bad((v) => delete v.omni.endpoint),
      /basphere:omni\.endpoint: required: the Omni API URL/,
    );
    assert.match(
      bad((v) => (v.omni.endpoint = "http://omni")),
      /basphere:omni\.endpoint: must be a https:\/\/ URL/,
    );
    assert.match(
      bad((v) => delete v.omniJoinToken),
      /basphere:omniJoinToken: required/,
    );
    assert.match(
      bad((v) => (v.hosts = ["esx01.lab.local", "esx01.lab.local"])),
      /basphere:hosts: lists a host twice/,
    );
    assert.match(
      bad((v) => delete v.loadBalancer),
      /basphere:loadBalancer: required while services.metallb is enabled/,
    );
    assert.match(
      bad((v) => (v.loadBalancer.addresses = ["192.168.200.220-192.168.200.200"])),
      /basphere:loadBalancer\.addresses\[0\]/,
    );
    assert.match(
      bad((v) => (v.services.harbor = { enabled: true, versoin: "1" })),
      /basphere:services\.harbor/,
    );
    assert.match(
      bad((v) => (v.cluster.workers.cpu = 4)),
      /basphere:cluster\.workers/,
    );
  });

  it("hands every Harbor and Gitea credential from the config to the charts as secret values", () => {
    const v = exampleValues();
    const harbor = harness.get("platform-harbor", "kubernetes:helm.sh/v3:Release");
    assert.ok(harbor.secretInputs.includes("values"));
    assert.equal(harbor.inputs.values.harborAdminPassword, v.harborAdminPassword);
    assert.equal(harbor.inputs.values.secretKey, v.harborSecretKey);
    assert.equal(harbor.inputs.values.database.internal.password, v.harborDatabasePassword);
    assert.equal(harbor.inputs.values.registry.credentials.password, v.harborRegistryPassword);
    const gitea = harness.get("platform-gitea", "kubernetes:helm.sh/v3:Release");
    assert.ok(gitea.secretInputs.includes("values"));
    assert.equal(gitea.inputs.values.gitea.admin.password, v.giteaAdminPassword);
    assert.equal(gitea.inputs.values.postgresql.global.postgresql.auth.password, v.giteaDatabasePassword);
    assert.equal(gitea.inputs.values.valkey.global.valkey.password, v.giteaValkeyPassword);
    const leaves = (x: unknown): string[] =>
      typeof x === "string" ? [x] : x && typeof x === "object" ? Object.values(x).flatMap(leaves) : [];
    for (const r of harness.ofType("kubernetes:helm.sh/v3:Release")) {
      for (const d of leaves(r.inputs.values).filter((s) => KNOWN_DEFAULT_SECRET_VALUES.includes(s)))
        assert.fail(`${r.name} carries the chart default credential ${d}`);
    }
  });

  it("requires each Harbor/Gitea credential while its service is on, naming the key", () => {
    const { configSchema } = stack();
    const keys = {
      harbor: ["harborAdminPassword", "harborSecretKey", "harborDatabasePassword", "harborRegistryPassword"],
      gitea: ["giteaAdminPassword", "giteaDatabasePassword", "giteaValkeyPassword"],
    };
    for (const [svc, list] of Object.entries(keys)) {
      for (const key of list) {
        const v = exampleValues();
        delete v[key];
        assert.throws(
          () => parseConfig(configSchema, v, "onprem stack config"),
          new RegExp(
            `basphere:${key}: required \\(secret: pulumi config set --secret basphere:${key} …\\) while services\\.${svc} is enabled`,
          ),
          key,
        );
        v.services[svc] = false;
        assert.doesNotThrow(() => parseConfig(configSchema, v, "onprem stack config"), key);
      }
    }
  });

  it("refuses a harborSecretKey of the wrong length and any chart default credential, naming the key", () => {
    const { configSchema } = stack();
    const err = (key: string, value: string) => {
      const v = exampleValues();
      v[key] = value;
      try {
        parseConfig(configSchema, v, "onprem stack config");
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        assert.ok(!e.message.includes(value), "the error must not echo the secret");
        return e.message;
      }
      assert.fail(`${key} was accepted`);
    };
    assert.match(
      err("harborSecretKey", "short-key"),
      /basphere:harborSecretKey: must be exactly 16 printable/,
    );
    assert.match(err("harborSecretKey", "a-key-of-17-chars"), /basphere:harborSecretKey: must be exactly 16/);
    assert.match(
      err("harborSecretKey", "not-a-secure-key"),
      /basphere:harborSecretKey: must not be the chart's published default/,
    );
    assert.match(
      err("harborDatabasePassword", "changeit"),
      /basphere:harborDatabasePassword: must not be the chart's published default/,
    );
    assert.match(
      err("harborAdminPassword", "Harbor12345"),
      /basphere:harborAdminPassword: must not be the chart's published default/,
    );
    assert.match(
      err("harborRegistryPassword", "harbor_registry_password"),
      /basphere:harborRegistryPassword: must not be/,
    );
    assert.match(
      err("giteaValkeyPassword", "changeme"),
      /basphere:giteaValkeyPassword: must not be the chart's published default/,
    );
    assert.match(
      err("giteaDatabasePassword", "short"),
      /basphere:giteaDatabasePassword: must be at least 8 characters/,
    );
  });

  it("creates the tenant clusters' identity it exports, and refuses one without the CAPV account", async () => {
    const cmd = harness.get("platform-tenant-identity", "Command");
    assert.match(cmd.inputs.create, /name: tenant-clusters/);
    assert.equal(cmd.inputs.environment.CAPV_USERNAME, "capv@vsphere.local");
    assert.equal(await resolve(outputs.tenantClusterIdentity), "tenant-clusters");
    const { configSchema } = stack();
    const v = exampleValues();
    delete v.capvUsername;
    delete v.capvPassword;
    assert.throws(
      () => parseConfig(configSchema, v, "onprem stack config"),
      /basphere:tenantClusters\.identity: needs capvUsername and capvPassword/,
    );
    const off = exampleValues();
    off.services.clusterApi = false;
    assert.throws(
      () => parseConfig(configSchema, off, "onprem stack config"),
      /basphere:tenantClusters\.identity: needs services\.clusterApi enabled/,
    );
  });

  it("applies defaults and switches: services off need no passwords or pool", () => {
    const { configSchema } = stack();
    const v = exampleValues() as Record<string, any>;
    delete v.cluster;
    delete v.loadBalancer;
    delete v.harborAdminPassword;
    v.services = { metallb: false, harbor: false, gitea: { enabled: false } };
    const c = parseConfig(configSchema, v);
    assert.deepEqual(c.cluster.controlPlane, { count: 3, cpus: 4, memoryMb: 8192, diskGb: 40 });
    assert.deepEqual(c.cluster.lb, { cpus: 2, memoryMb: 4096, diskGb: 20 });
    assert.equal(c.cluster.name, "basphere-mgmt");
    assert.equal(c.services.harbor?.enabled, false);
  });
});

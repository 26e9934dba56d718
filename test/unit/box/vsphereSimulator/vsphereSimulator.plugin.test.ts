/**
 * The installed plugin (`pulumi-resource-vsphere`, the script install.ts writes) as the engine starts it: a
 * separate Node process serving the provider protocol over gRPC. Checks the version it reports, its schema, the
 * provider-config hooks (CheckConfig refusing unknown keys and missing credentials, Configure logging the server
 * but never the password), an invoke over the wire, and that it refuses to start without its state file.
 */
import * as assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { PLUGIN_NAME, installVsphereSimulator } from "../../../../box/vsphereSimulator/install";
import { loadSchema } from "../../../../providers/vsphere/generate";
import { PROJECT_ROOT } from "../../../../support/engine";
import { SECRET_SIG, SIG_KEY } from "../../../../box/vsphereSimulator/values";

type Client = InstanceType<typeof provrpc.ResourceProviderClient>;

function call<T>(fn: (cb: (err: grpc.ServiceError | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

describe("vSphere provider simulator: the installed plugin", function () {
  this.timeout(60000);
  let dir: string;
  let plugin: string;
  let child: ChildProcess;
  let client: Client;
  let stderr = "";

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vsphere-sim-plugin-"));
    const creds = path.join(dir, "creds.json");
    fs.writeFileSync(
      creds,
      JSON.stringify({ username: "box@vsphere.local", password: "file-password-123" }),
      {
        mode: 0o600,
      },
    );
    plugin = installVsphereSimulator(path.join(dir, "plugins"), path.join(dir, "state.sqlite"), {
      server: "127.0.0.1:8989",
      credentialsFile: creds,
    });
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith("VSPHERE_")) delete env[k];
    child = spawn(plugin, [], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stderr!.on("data", (d) => (stderr += String(d)));
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += String(d);
        if (out.includes("\n")) resolve(out.split("\n")[0].trim());
      });
      child.on("exit", (code) => reject(new Error(`plugin exited with ${code}: ${stderr}`)));
    });
    assert.match(port, /^\d+$/);
    client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    child?.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is an executable script named pulumi-resource-vsphere that says it is the simulator", () => {
    assert.equal(path.basename(plugin), PLUGIN_NAME);
    assert.equal(fs.statSync(plugin).mode & 0o777, 0o755);
    const text = fs.readFileSync(plugin, "utf8");
    assert.match(
      text,
      /^#!\/bin\/sh\n# vSphere provider simulator, installed as pulumi-resource-vsphere: NOT the real/,
    );
    assert.ok(text.includes(path.join(dir, "state.sqlite")));
    assert.ok(text.includes(path.join(PROJECT_ROOT, "dist", "box", "vsphereSimulator", "main.js")));
    assert.ok(!text.includes("file-password-123"), "the password is not in the script");
    assert.match(
      stderr,
      /vsphere-simulator: vSphere provider simulator \(not the real pulumi-resource-vsphere\) 4\.17\.0/,
    );
  });

  it("reports version 4.17.0 and the reference schema", async () => {
    const info = await call<any>((cb) => client.getPluginInfo(new emptyproto.Empty(), cb));
    assert.equal(info.getVersion(), "4.17.0");
    const req = new provproto.GetSchemaRequest();
    const resp = await call<any>((cb) => client.getSchema(req, cb));
    const s = JSON.parse(resp.getSchema());
    assert.equal(s.version, "4.17.0");
    assert.deepEqual(Object.keys(s.resources).sort(), Object.keys(loadSchema().resources).sort());
  });

  it("refuses an unknown or mistyped config key and names it", async () => {
    const req = new provproto.CheckRequest();
    req.setUrn("urn:pulumi:s::p::pulumi:providers:vsphere::default_4_17_0");
    req.setOlds(structproto.Struct.fromJavaScript({}));
    req.setNews(
      structproto.Struct.fromJavaScript({ version: "4.17.0", server: "vc", vimKeepAlive: "often" }),
    );
    const resp = await call<any>((cb) => client.checkConfig(req, cb));
    const failures = resp.getFailuresList().map((f: any) => `${f.getProperty()}: ${f.getReason()}`);
    assert.deepEqual(failures, [
      "server: vsphere-simulator: could not validate provider configuration: Invalid or unknown key. Examine values at 'vsphere:server'.",
      "vimKeepAlive: vsphere-simulator: could not validate provider configuration: vsphere:vimKeepAlive must be an integer, got string",
    ]);
  });

  it("takes user, password and server from the credentials file and server defaults, or the config", async () => {
    const req = new provproto.CheckRequest();
    req.setNews(structproto.Struct.fromJavaScript({ allowUnverifiedSsl: "true" }));
    const resp = await call<any>((cb) => client.checkConfig(req, cb));
    assert.deepEqual(resp.getFailuresList(), []);
    const conf = new provproto.ConfigureRequest();
    conf.setArgs(
      structproto.Struct.fromJavaScript({
        user: "admin@vsphere.local",
        password: { [SIG_KEY]: SECRET_SIG, value: "config-password-456" },
        vsphereServer: "vc.box",
      } as any),
    );
    const r = await call<any>((cb) => client.configure(conf, cb));
    assert.equal(r.getAcceptsecrets(), true);
    await new Promise((res) => setTimeout(res, 200));
    assert.match(stderr, /vsphere-simulator: configured for vCenter vc\.box as admin@vsphere\.local/);
    assert.ok(
      !stderr.includes("config-password-456") && !stderr.includes("file-password-123"),
      "no password logged",
    );
  });

  it("answers an invoke over the wire", async () => {
    const req = new provproto.InvokeRequest();
    req.setTok("vsphere:index/getDatacenter:getDatacenter");
    req.setArgs(structproto.Struct.fromJavaScript({ name: "dc1" }));
    const resp = await call<any>((cb) => client.invoke(req, cb));
    assert.equal(resp.getReturn().toJavaScript().id, "datacenter-3");
  });

  it("refuses to start without its state file, saying why", () => {
    const env = { ...process.env };
    delete env.BASPHERE_VSPHERE_SIM_STATE;
    const r = spawnSync(
      process.execPath,
      [path.join(PROJECT_ROOT, "dist", "box", "vsphereSimulator", "main.js")],
      {
        env,
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^vsphere-simulator: BASPHERE_VSPHERE_SIM_STATE is not set/);
  });
});

describe("vSphere provider simulator: provider config without credentials", function () {
  this.timeout(20000);
  it("requires user, password and a server like the real provider", async () => {
    const { VsphereSimulatorProvider } = await import("../../../../box/vsphereSimulator/provider");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vsphere-sim-config-"));
    const p = new VsphereSimulatorProvider({ statePath: path.join(dir, "s.sqlite"), env: {}, log: () => {} });
    try {
      const failures = (p.checkConfig({ version: "4.17.0" }).failures ?? []).map((f) => f.property);
      assert.deepEqual(failures, ["user", "password", "vsphereServer"]);
      const withEnv = new VsphereSimulatorProvider({
        store: p.store,
        env: { VSPHERE_USER: "u", VSPHERE_PASSWORD: "p", VSPHERE_SERVER: "vc" },
        log: () => {},
      });
      assert.deepEqual(withEnv.checkConfig({}).failures, []);
      assert.throws(() => p.configure({ user: "u" }), /vsphere-simulator: one of vsphere_server/);
    } finally {
      p.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

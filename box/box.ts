/**
 * The datacenter in a box: everything a tenant stack talks to, on this machine's loopback only.
 *
 * | piece                      | what runs                                                                      |
 * | -------------------------- | ------------------------------------------------------------------------------ |
 * | management cluster         | real etcd, kube-apiserver, kube-controller-manager (k8s.io/kubernetes v1.37.2)  |
 * | Cluster API types          | the real CRDs (reference/crds + ClusterResourceSet), admitted by that server   |
 * | vCenter                    | vcsim (govmomi), and the vSphere provider simulator as the `vsphere` plugin     |
 * | tenant routers             | OPNsense API emulators, one per router WAN address (127.0.200.x:443)           |
 * | workload-cluster kubeconfig | the Cluster API kubeconfig simulator (box/simulators/capiKubeconfig.ts)       |
 *
 * `boxUp` starts what is not running and records it in `<data>/box/box.json` (pids with start times, ports,
 * kubeconfig); `boxDown` stops exactly those processes. Everything lives under `<data>/box/`.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import { PoolsConfig, DEFAULT_POOLS } from "../automation/allocator/pools";
import { isSameProcess } from "../automation/engine/processes";
import { selfSigned } from "../providers/opnsense/emulator/certs";
import { fingerprintOfPem } from "../providers/opnsense/tls";
import { startControlPlane, probe } from "./controlPlane";
import { installCrds } from "./crds";
import { DaemonRecord, freePort, isListening, startDaemon, stopDaemon, waitReady } from "./daemons";
import type { SimulatorsConfig } from "./simulators/main";
import { installVsphereSimulator } from "./vsphereSimulator/install";
import { readSimulatorState } from "./vsphereSimulator/status";

/**
 * The box's allocation pools: the embedded defaults' shape (router WAN .20–.99, floating IPs .100–.239), with the
 * WAN in a loopback /24, `127.0.200.0/24` by default. Another `wanNet` lets a second box (a test run beside a
 * developer's box) run at the same time: the routers listen on port 443 of each WAN address.
 */
export function boxPools(wanNet = "127.0.200"): PoolsConfig {
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(wanNet) || wanNet.split(".").some((o) => Number(o) > 255))
    throw new Error(
      `box WAN network ${JSON.stringify(wanNet)} must be the first three octets of a 127.x.y.0/24`,
    );
  return {
    vlan: DEFAULT_POOLS.vlan,
    routerWan: { first: `${wanNet}.20`, last: `${wanNet}.99` },
    floatingIp: { first: `${wanNet}.100`, last: `${wanNet}.239` },
  };
}

/** The pools of the default box (WAN 127.0.200.0/24). */
export const BOX_POOLS: PoolsConfig = boxPools();

/** What `boxUp` started and where, as written to `<data>/box/box.json`. */
export interface BoxState {
  version: 1;
  dir: string;
  startedAt: string;
  processes: DaemonRecord[];
  kubernetes: { server: string; kubeconfig: string };
  vcenter: { server: string; port: number; url: string; thumbprint: string; credentialsFile: string };
  vsphere: { mode: "simulator"; pluginDir: string; statePath: string };
  routers: { first: string; last: string; port: number; fingerprint: string; templateFile: string };
  /** The allocation pools a service on this box uses (router WAN and floating IPs on the box's loopback WAN). */
  pools: PoolsConfig;
  inspect: { port: number; tokenFile: string };
}

/** Paths under the data folder. */
export function boxDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), "box");
}

function stateFile(dataDir: string): string {
  return path.join(boxDir(dataDir), "box.json");
}

/** The recorded box, if any (whether its processes still run or not). */
export function readBoxState(dataDir: string): BoxState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dataDir), "utf8")) as BoxState;
  } catch {
    return undefined;
  }
}

/** True when every recorded process of the box is the same live process. */
export function boxRunning(state: BoxState | undefined): state is BoxState {
  return !!state && state.processes.length > 0 && state.processes.every((p) => isSameProcess(p));
}

/** A secret file made once (mode 0600) and read afterwards. */
function secretFile<T>(file: string, make: () => T): T {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  const v = make();
  fs.writeFileSync(file, JSON.stringify(v), { mode: 0o600 });
  return v;
}

/** The golden router template of the box: certificate (CN only, like OPNsense's own) and shared API key. */
export interface RouterTemplate {
  certPem: string;
  keyPem: string;
  apiKey: string;
  apiSecret: string;
}

/** The SHA-1 thumbprint (colon-separated, upper case) of the certificate served at 127.0.0.1:port. */
function serverThumbprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const fp = s.getPeerCertificate().fingerprint;
      s.destroy();
      resolve(fp);
    });
    s.once("error", reject);
  });
}

/** Options of {@link boxUp}. */
export interface BoxUpOptions {
  dataDir: string;
  /** Project root (reference/crds, .box/bin, dist/). */
  projectRoot: string;
  /** Progress lines. */
  log?: (line: string) => void;
  /** First three octets of the box's WAN /24 (loopback). Default `127.0.200`; kept from the last start. */
  wanNet?: string;
}

/**
 * Starts the box, or returns the running one (`reused: true`). A box left half-started (some processes gone) is
 * stopped first and started again; its data (etcd, vSphere simulator state, router states) is kept.
 */
export async function boxUp(
  opts: BoxUpOptions,
): Promise<{ state: BoxState; reused: boolean; seconds: number }> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const existing = readBoxState(opts.dataDir);
  if (boxRunning(existing)) return { state: existing, reused: true, seconds: 0 };
  if (existing) await boxDown({ dataDir: opts.dataDir });

  const dir = boxDir(opts.dataDir);
  fs.mkdirSync(path.join(dir, "logs"), { recursive: true, mode: 0o700 });
  // The WAN network is chosen once per box: its routers' state and the tenants' allocations live on it.
  const wanFile = path.join(dir, "wan-net");
  const wanNet = fs.existsSync(wanFile)
    ? fs.readFileSync(wanFile, "utf8").trim()
    : (opts.wanNet ?? "127.0.200");
  if (opts.wanNet && opts.wanNet !== wanNet)
    throw new Error(
      `this box's WAN network is ${wanNet}.0/24 (${wanFile}); it cannot move to ${opts.wanNet}.0/24`,
    );
  const pools = boxPools(wanNet);
  fs.writeFileSync(wanFile, wanNet + "\n");
  const binDir = path.join(opts.projectRoot, ".box", "bin");
  const processes: DaemonRecord[] = [];
  const record = () => {
    const partial = { version: 1, dir, startedAt: new Date().toISOString(), processes } as Partial<BoxState>;
    fs.writeFileSync(stateFile(opts.dataDir), JSON.stringify(partial, null, 2), { mode: 0o600 });
  };
  try {
    // Ports are chosen once and kept (a new API server port would change the management kubeconfig, and with it
    // the Kubernetes provider of every tenant stack); taken again when free, else chosen anew.
    const portsFile = path.join(dir, "ports.json");
    const chosen = fs.existsSync(portsFile) ? JSON.parse(fs.readFileSync(portsFile, "utf8")) : undefined;
    const free = async (p: number | undefined) => (p && !(await isListening(p)) ? p : await freePort());
    const ports = {
      etcdClient: await free(chosen?.etcdClient),
      etcdPeer: await free(chosen?.etcdPeer),
      apiserver: await free(chosen?.apiserver),
      controllerManager: await free(chosen?.controllerManager),
      vcsim: await free(chosen?.vcsim),
      inspect: await free(chosen?.inspect),
    };
    fs.writeFileSync(portsFile, JSON.stringify(ports));
    log("box: starting etcd, kube-apiserver, kube-controller-manager");
    const cp = await startControlPlane({ dir, binDir, ports });
    processes.push(cp.etcd, cp.apiserver, cp.controllerManager);
    record();
    const crds = await installCrds(cp.kubeconfig, opts.projectRoot);
    log(`box: ${crds.length} Cluster API CRDs installed on ${cp.server}`);

    // vcsim: the box's vCenter, with an inventory of the box's shape (1 datacenter, 1 cluster of 6 hosts).
    const vcPort = ports.vcsim;
    const credentialsFile = path.join(dir, "vcenter-credentials.json");
    const creds = secretFile(credentialsFile, () => ({
      username: "basphere@vsphere.local",
      password: crypto.randomBytes(18).toString("base64url"),
    }));
    const vcsim = startDaemon({
      name: "vcsim",
      command: path.join(binDir, "vcsim"),
      args: [
        "-l",
        `127.0.0.1:${vcPort}`,
        "-dc",
        "1",
        "-cluster",
        "1",
        "-host",
        "6",
        "-standalone-host",
        "0",
        "-ds",
        "2",
        "-pg",
        "1",
        "-username",
        creds.username,
        "-password",
        creds.password,
        "-E",
        "/dev/null",
      ],
      log: path.join(dir, "logs", "vcsim.log"),
    });
    processes.push(vcsim);
    record();
    await waitReady(vcsim, () => isListening(vcPort));
    const thumbprint = await serverThumbprint(vcPort);
    log(`box: vcsim on https://127.0.0.1:${vcPort}/sdk`);

    // The vSphere provider: the simulator (the real plugin cannot be built here; box/vsphereSimulator/README.md).
    const pluginDir = path.join(dir, "plugins");
    fs.mkdirSync(pluginDir, { recursive: true });
    const statePath = path.join(dir, "vsphere-simulator.sqlite");
    // The simulator asks for a vCenter login as the real provider does: vcsim's address and its one account.
    installVsphereSimulator(pluginDir, statePath, { server: `127.0.0.1:${vcPort}`, credentialsFile });

    // Tenant routers and the Cluster API kubeconfig simulator.
    const templateFile = path.join(dir, "router-template.json");
    const template = secretFile<RouterTemplate>(templateFile, () => {
      const cert = selfSigned("OPNsense.localdomain");
      return {
        certPem: cert.certPem,
        keyPem: cert.keyPem,
        apiKey: crypto.randomBytes(60).toString("base64"),
        apiSecret: crypto.randomBytes(60).toString("base64"),
      };
    });
    const inspectPort = ports.inspect;
    const tokenFile = path.join(dir, "inspect-token");
    const token = secretFile(tokenFile, () => crypto.randomBytes(24).toString("base64url"));
    const simConfig: SimulatorsConfig = {
      kubeconfig: cp.kubeconfig,
      routers: {
        first: pools.routerWan.first,
        last: pools.routerWan.last,
        port: 443,
        certificate: { certPem: template.certPem, keyPem: template.keyPem },
        apiKey: { key: template.apiKey, secret: template.apiSecret },
        stateDir: path.join(dir, "routers"),
      },
      inspect: { port: inspectPort, token },
    };
    const simConfigFile = path.join(dir, "simulators.json");
    fs.writeFileSync(simConfigFile, JSON.stringify(simConfig), { mode: 0o600 });
    const sims = startDaemon({
      name: "simulators",
      command: process.execPath,
      args: [path.join(opts.projectRoot, "dist", "box", "simulators", "main.js"), simConfigFile],
      log: path.join(dir, "logs", "simulators.log"),
    });
    processes.push(sims);
    record();
    await waitReady(sims, () => probe(`http://127.0.0.1:${inspectPort}/health`));
    log(`box: ${pools.routerWan.first}..${pools.routerWan.last}: OPNsense API emulators`);

    const state: BoxState = {
      version: 1,
      dir,
      startedAt: new Date().toISOString(),
      processes,
      kubernetes: { server: cp.server, kubeconfig: cp.kubeconfig },
      vcenter: {
        server: "127.0.0.1",
        port: vcPort,
        url: `https://127.0.0.1:${vcPort}/sdk`,
        thumbprint,
        credentialsFile,
      },
      vsphere: { mode: "simulator", pluginDir, statePath },
      routers: {
        first: pools.routerWan.first,
        last: pools.routerWan.last,
        port: 443,
        fingerprint: fingerprintOfPem(template.certPem),
        templateFile,
      },
      pools,
      inspect: { port: inspectPort, tokenFile },
    };
    fs.writeFileSync(stateFile(opts.dataDir), JSON.stringify(state, null, 2), { mode: 0o600 });
    return { state, reused: false, seconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    for (const p of processes.reverse()) await stopDaemon(p);
    fs.rmSync(stateFile(opts.dataDir), { force: true });
    throw e;
  }
}

/** Stops the recorded processes (last started first). Returns the names of those that were running. */
export async function boxDown(opts: { dataDir: string }): Promise<string[]> {
  const state = readBoxState(opts.dataDir);
  if (!state) return [];
  const stopped: string[] = [];
  for (const p of [...(state.processes ?? [])].reverse()) if (await stopDaemon(p)) stopped.push(p.name);
  fs.rmSync(stateFile(opts.dataDir), { force: true });
  return stopped;
}

/** Reads `/proc/<pid>/status` VmRSS in KiB (0 when gone). */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** What `basphere box status` shows. */
export interface BoxStatus {
  running: boolean;
  processes: { name: string; pid: number; alive: boolean; rssMiB: number; log: string }[];
  kubernetes?: { server: string; kubeconfig: string };
  vcenter?: string;
  routers?: string;
  /** What the vSphere provider simulator holds (objects stacks created; the seeded inventory left out). */
  vsphere?: { virtualMachines: number; portGroups: number; folders: number };
  totalRssMiB: number;
}

function vsphereCounts(state: BoxState | undefined): BoxStatus["vsphere"] {
  const v = state?.vsphere?.statePath ? readSimulatorState(state.vsphere.statePath) : undefined;
  if (!v) return undefined;
  return {
    virtualMachines: v.vms.filter((m) => m.urn).length,
    portGroups: v.portGroups.filter((p) => p.urn).length,
    folders: v.folders.filter((f) => f.urn).length,
  };
}

/** The box's processes, whether they run, and their memory. */
export function boxStatus(opts: { dataDir: string }): BoxStatus {
  const state = readBoxState(opts.dataDir);
  const processes = (state?.processes ?? []).map((p) => {
    const alive = isSameProcess(p);
    return {
      name: p.name,
      pid: p.pid,
      alive,
      rssMiB: alive ? Math.round(rssKiB(p.pid) / 1024) : 0,
      log: p.log,
    };
  });
  return {
    running: boxRunning(state),
    processes,
    kubernetes: state?.kubernetes,
    vcenter: state?.vcenter?.url,
    routers: state?.routers
      ? `https://${state.routers.first}..${state.routers.last}:${state.routers.port}`
      : undefined,
    vsphere: vsphereCounts(state),
    totalRssMiB: processes.reduce((a, p) => a + p.rssMiB, 0),
  };
}

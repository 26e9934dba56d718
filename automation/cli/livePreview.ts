/**
 * `basphere preview-pr --live`: the real `pulumi preview` of the head's stack files against the LIVE stacks, on an
 * operator's machine that has their backend, passphrase, provider plugins and credentials. Nothing is started and
 * nothing is changed: for each stack the head's settings file (its config and encrypted values as committed) is
 * previewed by the head's program against the state in the backend; the engine's events become the report's steps,
 * exactly as on the box. A stack the backend does not hold, or whose preview fails, is reported with its error
 * beside the others.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { stepsFromEvents } from "../preview/engineSteps";
import type { StackReport } from "../preview/report";

export interface LivePreviewOptions {
  /** The head's built project root and its stack files (default `<root>/stacks`). */
  head: { root: string; stacksDir?: string };
  /** The stacks to preview (`Pulumi.<stack>.yaml` in the head's stack files). */
  stacks: string[];
  /**
   * Where the backend, passphrase and plugins come from: `PULUMI_BACKEND_URL` (file:// or postgres://; required),
   * `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE` (required), `PULUMI_HOME` (the operator's
   * plugins; default ~/.pulumi), `PATH` (more plugins), and the providers' own credential variables.
   */
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** A backend URL with any password masked. */
function redacted(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

/** The backend of the live stacks from `env`; a clear error naming the variable when it cannot be used. */
export function liveBackend(env: NodeJS.ProcessEnv): string {
  const url = env.PULUMI_BACKEND_URL;
  if (!url)
    throw new Error(
      "--live needs PULUMI_BACKEND_URL: the backend of the live stacks (file://… or postgres://…)",
    );
  if (!/^(file|postgres):\/\//.test(url))
    throw new Error(
      `--live: PULUMI_BACKEND_URL ${redacted(url)} is not supported: the engine reads stacks, locks and salts of file:// and postgres:// backends only (not the Pulumi Cloud, s3://, gs:// or azblob://)`,
    );
  if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE)
    throw new Error(
      "--live needs the live stacks' secrets passphrase: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE",
    );
  return url;
}

export async function previewLive(opts: LivePreviewOptions): Promise<StackReport[]> {
  const log = opts.log ?? (() => undefined);
  const backendUrl = liveBackend(opts.env);
  const { Engine, engineEnvironment } = await import("../engine");
  const { EngineOperationError } = await import("../engine/operation");
  const { writeServiceProject } = await import("../service/realEngine");
  const stacksDir = opts.head.stacksDir ?? path.join(opts.head.root, "stacks");
  // Only the project file and the stack settings files go here; the state stays in the live backend.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "basphere-preview-live-"));
  try {
    const environment = engineEnvironment({
      projectRoot: opts.head.root,
      dataDir: scratch,
      backendUrl,
      pulumiHome: opts.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi"),
      passphrase: opts.env.PULUMI_CONFIG_PASSPHRASE || undefined,
      passphraseFile: opts.env.PULUMI_CONFIG_PASSPHRASE_FILE || undefined,
      pluginPath: (opts.env.PATH ?? "").split(path.delimiter).filter(Boolean),
    });
    // The providers' credentials (and anything else the operator set) reach the program and its plugins.
    for (const [k, v] of Object.entries(opts.env))
      if (v !== undefined && !(k in environment.env)) environment.env[k] = v;
    const engine = await Engine.open({
      environment,
      workDir: writeServiceProject(scratch, opts.head.root),
    });
    const out: StackReport[] = [];
    for (const name of opts.stacks) {
      const failed = (error: string): StackReport => ({
        stack: name,
        source: "engine",
        live: true,
        error,
        steps: [],
        counts: { create: 0, update: 0, replace: 0, delete: 0, same: 0 },
      });
      const file = path.join(stacksDir, `Pulumi.${name}.yaml`);
      if (!fs.existsSync(file)) {
        out.push(failed(`no stack file ${path.basename(file)} in the head`));
        continue;
      }
      if (!(await engine.hasStack(name))) {
        out.push(
          failed(
            `the live backend ${redacted(backendUrl)} holds no stack ${name} of project ${engine.project}: nothing to preview against`,
          ),
        );
        continue;
      }
      // The head's settings file as committed (config, encrypted values); the salt from the live checkpoint when
      // the file has none (it was made on the operator's machine and not committed).
      const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
      if (doc.encryptionsalt === undefined && doc.secretsprovider === undefined) {
        const salt = await engine.backend.secretsSalt(engine.project, name);
        if (salt) doc.encryptionsalt = salt;
      }
      const target = engine.stackConfigFile(name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, YAML.stringify(doc), { mode: 0o600 });
      log(`preview-pr --live: ${name}: preview against ${redacted(backendUrl)}`);
      const events: EngineEvent[] = [];
      try {
        const s = await engine.stack(name);
        await s.preview({ onEvent: (e) => events.push(e) });
      } catch (e) {
        out.push(
          failed(
            e instanceof EngineOperationError && e.errors.length ? e.errors.join("\n") : (e as Error).message,
          ),
        );
        continue;
      }
      const { steps, counts } = stepsFromEvents(events);
      out.push({ stack: name, source: "engine", live: true, steps, counts });
    }
    return out;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Provider configuration for a Node.js provider. `@pulumi/pulumi/provider`'s gRPC server (3.270) answers
 * CheckConfig with UNIMPLEMENTED and Configure without looking at the configuration, so a provider written with
 * it can neither refuse a bad `vsphere:*` config nor know its server. This module hooks the two calls, and only
 * those, into the server that `provider.main` builds: before `main` runs, {@link installConfigHooks} wraps
 * `grpc.Server.addService` so that the ResourceProvider service's `checkConfig` and `configure` go to the given
 * functions (Configure still answers as the SDK does: secrets, resources and outputs accepted, no preview).
 */
import * as grpc from "@grpc/grpc-js";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import type { CheckResult } from "@pulumi/pulumi/provider";
import type { Props } from "./values";

/** What the hooks call. */
export interface ConfigHooks {
  checkConfig(news: Props): CheckResult;
  configure(args: Props): void;
}

type Callback = (err: grpc.ServiceError | null | Partial<grpc.StatusObject>, value?: unknown) => void;
type Call = { request: any };

let installed = false;

/** The configuration of a ConfigureRequest: its `args`, or else its `variables` (`vsphere:config:<key>`). */
export function configureArgs(request: provproto.ConfigureRequest): Props {
  const args = request.getArgs()?.toJavaScript() as Props | undefined;
  if (args && Object.keys(args).length > 0) return args;
  const out: Props = {};
  request.getVariablesMap().forEach((value: string, key: string) => {
    const k = key.replace(/^vsphere:(config:)?/, "");
    try {
      out[k] =
        typeof value === "string" && /^[[{]|^(true|false|-?\d+)$/.test(value) ? JSON.parse(value) : value;
    } catch {
      out[k] = value;
    }
  });
  return out;
}

function invalid(message: string): Partial<grpc.StatusObject> {
  return { code: grpc.status.INVALID_ARGUMENT, details: message };
}

/** Routes CheckConfig and Configure of the next ResourceProvider service added to a gRPC server to `hooks`. */
export function installConfigHooks(hooks: ConfigHooks): void {
  if (installed) throw new Error("installConfigHooks may be called once");
  installed = true;
  const original = grpc.Server.prototype.addService;
  grpc.Server.prototype.addService = function (
    this: grpc.Server,
    service: grpc.ServiceDefinition,
    implementation: grpc.UntypedServiceImplementation,
  ): void {
    if ("checkConfig" in service && "configure" in service) {
      const impl = implementation as Record<string, unknown>;
      impl.checkConfig = (call: Call, callback: Callback) => {
        try {
          const news = (call.request.getNews()?.toJavaScript() ?? {}) as Props;
          const result = hooks.checkConfig(news);
          const resp = new provproto.CheckResponse();
          resp.setInputs(structproto.Struct.fromJavaScript((result.inputs ?? news) as any));
          resp.setFailuresList(
            (result.failures ?? []).map((f) => {
              const failure = new provproto.CheckFailure();
              failure.setProperty(f.property);
              failure.setReason(f.reason);
              return failure;
            }),
          );
          callback(null, resp);
        } catch (err) {
          callback(invalid((err as Error).message));
        }
      };
      impl.configure = (call: Call, callback: Callback) => {
        try {
          hooks.configure(configureArgs(call.request as provproto.ConfigureRequest));
        } catch (err) {
          callback(invalid((err as Error).message));
          return;
        }
        const resp = new provproto.ConfigureResponse();
        resp.setAcceptsecrets(true);
        resp.setAcceptresources(true);
        resp.setAcceptoutputs(true);
        callback(null, resp);
      };
    }
    return original.call(this, service, implementation);
  };
}

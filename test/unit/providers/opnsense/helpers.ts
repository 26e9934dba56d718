/** Shared test helpers: an emulator per test, provider calls, quick retries. */
import { ClientOptions, OpnsenseClient } from "../../../../providers/opnsense/client";
import { clientFactory } from "../../../../providers/opnsense/engine";
import { Emulator, startEmulator } from "../../../../providers/opnsense/emulator";
import { providerFor } from "../../../../providers/opnsense/provider";
import { OpnsenseConnection } from "../../../../providers/opnsense/types";

export const logLines: string[] = [];

/** Fast retries for tests (the defaults back off for seconds); every client logs into `logLines`. */
export function useFastClients(): void {
  clientFactory.make = (c, secrets = []) =>
    new OpnsenseClient(c, { secrets, retries: 3, backoffMs: 5, log: (l) => logLines.push(l) });
}

export function connectionOf(emu: Emulator, extra: Partial<OpnsenseConnection> = {}): OpnsenseConnection {
  return {
    url: emu.url,
    apiKey: emu.apiKey,
    apiSecret: emu.apiSecret,
    caPem: emu.caPem,
    timeoutMs: 2000,
    ...extra,
  };
}

/** A client of `emu` with quick retries (no logging). */
export const fastClient = (
  emu: Emulator,
  extra: Partial<OpnsenseConnection> = {},
  opts: ClientOptions = {},
) => new OpnsenseClient(connectionOf(emu, extra), { retries: 3, backoffMs: 5, ...opts });

/** How many requests `emu` received for `path`. */
export const attempts = (emu: { requests: { path: string }[] }, path: string) =>
  emu.requests.filter((r) => r.path === path).length;

export async function withEmulator(
  fn: (emu: Emulator) => Promise<void>,
  opts: { tls?: boolean; version?: "26.7" | "26.1" } = {},
): Promise<void> {
  const emu = await startEmulator(opts);
  try {
    await fn(emu);
  } finally {
    await emu.close();
  }
}

export const provider = (kind: string) => providerFor(kind) as Required<ReturnType<typeof providerFor>>;

/** Captures an async function's rejection. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

export const WG_KEY_A = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
export const WG_KEY_B = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

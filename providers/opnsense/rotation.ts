/**
 * ApiKeyRotation: gives a router cloned from the golden template a key of its own. create adds a key for
 * `username` (`POST /api/auth/user/add_api_key/<user>`), proves it works (health check with it), deletes the
 * template's shared key (`search_api_key` → id → `del_api_key/<id>`, the id sent as it is) using the new key, and
 * then proves the deletion: a request with the template key must be refused (401) while the new key is accepted.
 * An answer of `del_api_key` is not trusted on its own: OPNsense answers `{"result":"not found"}` for an id it
 * cannot look up, and a mangled id looks exactly like a key already deleted by an earlier attempt.
 * When any step after the add fails and the template key still works, the new key is deleted again with the
 * template key and the error says so. delete is a no-op: the rotated key is the router's only credential and goes
 * away with the router.
 */
import { OpnsenseClient, apiPath } from "./client";
import { OpnsenseHttpError, OpnsenseResultError } from "./errors";
import { EXTRA_CALLS } from "./fields";
import { clientFactory, deterministicUuid } from "./engine";
import { parseArgs } from "./schemas";
import { OpnsenseConnection, parseConnection } from "./types";

interface KeyRow {
  username: string;
  key: string;
  id: string;
}

async function listKeys(client: OpnsenseClient): Promise<KeyRow[]> {
  const r = await client.post(EXTRA_CALLS.searchApiKey.path, { current: 1, rowCount: -1, searchPhrase: "" });
  return (r?.rows as KeyRow[] | undefined) ?? [];
}

async function findKey(client: OpnsenseClient, key: string): Promise<KeyRow | undefined> {
  return (await listKeys(client)).find((row) => row.key === key);
}

/** `del_api_key/<id>`; resolves with the router's answer ("deleted" or "not found": a resend after a lost answer). */
async function deleteKey(client: OpnsenseClient, id: string): Promise<"deleted" | "not found"> {
  const path = apiPath("/api/auth/user", "del_api_key", id);
  const r = await client.post(path, {});
  if (r?.result !== "deleted" && r?.result !== "not found") {
    throw new OpnsenseResultError(
      client.redact(`POST ${path}: unexpected answer ${JSON.stringify(r)}`),
      client.redact(path),
    );
  }
  return r.result;
}

/**
 * Whether the router authenticates `client`'s key: false on 401, true on any other answer (403 and errors of the
 * endpoint come after authentication). Throws when the router does not answer at all (after the client's retries).
 */
async function accepted(client: OpnsenseClient): Promise<boolean> {
  try {
    await client.health();
    return true;
  } catch (e) {
    if (e instanceof OpnsenseHttpError) return e.status !== 401;
    if (e instanceof OpnsenseResultError) return true;
    throw e;
  }
}

export async function create(
  inputs: Record<string, any>,
): Promise<{ id: string; outs: Record<string, any> }> {
  const connection = parseConnection(inputs.connection);
  const args = parseArgs("ApiKeyRotation", inputs);
  const username: string = args.username ?? "root";
  const template = clientFactory.make(connection);
  const path = apiPath("/api/auth/user", "add_api_key", username);
  const before = new Set((await listKeys(template)).filter((k) => k.username === username).map((k) => k.id));
  let r: any;
  try {
    // Not idempotent: a resend could mint a second key, so only pre-send connection failures are retried.
    r = await template.post(path, {}, { idempotent: false });
  } catch (e) {
    // The answer may be lost after the router created the key (whose secret we never saw): remove such keys.
    const why = (e as Error).message;
    let removed = 0;
    try {
      for (const k of await listKeys(template))
        if (k.username === username && !before.has(k.id)) {
          await deleteKey(template, k.id);
          removed++;
        }
    } catch (e2) {
      throw new Error(
        template.redact(
          `ApiKeyRotation: adding a key for "${username}" failed (${why}) and checking for a key created anyway failed too (${(e2 as Error).message}); check the user's API keys on the router.`,
        ),
      );
    }
    throw new Error(
      template.redact(
        `ApiKeyRotation: adding a key for "${username}" failed (${why}); ${removed ? `the router had created ${removed} anyway, removed again` : "no key was created"}. The template key still works; run again.`,
      ),
    );
  }
  if (r?.result !== "ok" || typeof r.key !== "string" || typeof r.secret !== "string") {
    throw new OpnsenseResultError(
      `ApiKeyRotation: POST ${path} did not return a key (result=${JSON.stringify(r?.result ?? null)}); does user "${username}" exist?`,
      path,
    );
  }
  const rotated: OpnsenseConnection = { ...connection, apiKey: r.key, apiSecret: r.secret };
  const own = clientFactory.make(rotated, [connection.apiKey, connection.apiSecret]);

  /** Removes the new key again with the template key (which still works) and fails with `why`. */
  const rollback = async (why: string): Promise<never> => {
    try {
      const mine = await findKey(template, r.key);
      if (mine) await deleteKey(template, mine.id);
    } catch (e2) {
      throw new Error(
        own.redact(
          `ApiKeyRotation: rotating failed (${why}) and removing the new key failed too (${(e2 as Error).message}); user "${username}" has an extra API key.`,
        ),
      );
    }
    throw new Error(
      own.redact(
        `ApiKeyRotation: rotating failed (${why}); the new key was removed again, the template key still works.`,
      ),
    );
  };

  try {
    await own.health();
  } catch (e) {
    return rollback(`the new key does not work: ${own.redact((e as Error).message)}`);
  }
  // Delete the template key with the new one. A failure here is not final: the router may have processed the
  // deletion before the answer was lost, so the proof below decides.
  let deletion: string;
  try {
    const old = await findKey(own, connection.apiKey);
    deletion = old
      ? `del_api_key answered "${await deleteKey(own, old.id)}"`
      : "search_api_key does not list the template key";
  } catch (e) {
    deletion = `deleting the template key failed: ${own.redact((e as Error).message)}`;
  }
  // Proof: the template key must be refused and the new key accepted.
  let templateAccepted: boolean;
  try {
    templateAccepted = await accepted(template);
    if (!templateAccepted && !(await accepted(own)))
      throw new Error("the router now refuses the new key as well");
  } catch (e) {
    throw new Error(
      own.redact(
        `ApiKeyRotation: could not prove that the template key is refused (${deletion}; then: ${(e as Error).message}). The state of the router's API keys is unknown: check user "${username}"'s keys on the router.`,
      ),
    );
  }
  if (templateAccepted)
    return rollback(`${deletion}, yet the template key still authenticates (it must be refused with 401)`);

  const id = deterministicUuid(`ApiKeyRotation/${inputs.resourceKey ?? username}`);
  return {
    id,
    outs: { ...inputs, username, apiKey: r.key, apiSecret: r.secret, rotatedConnection: rotated, uuid: id },
  };
}

export async function read(
  id: string,
  props: Record<string, any>,
): Promise<{ id?: string; props?: Record<string, any> }> {
  if (!props.rotatedConnection) return {};
  const own = clientFactory.make(parseConnection(props.rotatedConnection));
  try {
    return (await findKey(own, props.apiKey)) ? { id, props } : {};
  } catch (e) {
    if ((e as { status?: number }).status === 401) return {};
    throw e;
  }
}

export function diff(olds: Record<string, any>, news: Record<string, any>) {
  const replaces: string[] = [];
  if ((olds.username ?? "root") !== (news.username ?? "root")) replaces.push("username");
  if (olds.connection?.url && news.connection?.url && olds.connection.url !== news.connection.url)
    replaces.push("connection");
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false, changedArgs: replaces };
}

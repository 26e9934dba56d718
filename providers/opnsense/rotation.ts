/**
 * ApiKeyRotation: gives a router cloned from the golden template a key of its own. create adds a key for
 * `username` (`POST /api/auth/user/add_api_key/<user>`), proves it works (health check with it), then
 * deletes the template's shared key (`search_api_key` → id → `del_api_key/<id>`) using the new key. When
 * any step after the add fails, the new key is deleted again with the template key and the error says so.
 * delete is a no-op: the rotated key is the router's only credential and goes away with the router.
 */
import { OpnsenseClient, apiPath } from "./client";
import { OpnsenseResultError } from "./errors";
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

async function deleteKey(client: OpnsenseClient, id: string): Promise<void> {
  const path = apiPath("/api/auth/user", "del_api_key", id);
  const r = await client.post(path, {});
  if (r?.result !== "deleted" && r?.result !== "not found") {
    throw new OpnsenseResultError(
      client.redact(`POST ${path}: unexpected answer ${JSON.stringify(r)}`),
      client.redact(path),
    );
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
  try {
    await own.health();
    const old = await findKey(own, connection.apiKey);
    if (old && old.key !== r.key) await deleteKey(own, old.id);
  } catch (e) {
    const why = own.redact((e as Error).message);
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
  }
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

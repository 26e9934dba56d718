/**
 * What the serialized dynamic providers call at run time (in the engine's `pulumi-resource-pulumi-nodejs`
 * process, loaded by absolute path). Routes each kind to the record engine or to the key rotation.
 */
import * as engine from "./engine";
import * as rotation from "./rotation";

const ROTATION = "ApiKeyRotation";

export function check(kind: string, _olds: Record<string, any>, news: Record<string, any>) {
  return engine.check(kind, news);
}

export function diff(kind: string, _id: string, olds: Record<string, any>, news: Record<string, any>) {
  return kind === ROTATION ? rotation.diff(olds, news) : engine.diff(kind, olds, news);
}

export function create(kind: string, inputs: Record<string, any>) {
  return kind === ROTATION ? rotation.create(inputs) : engine.create(kind, inputs as engine.ProviderInputs);
}

export function read(kind: string, id: string, props: Record<string, any>) {
  return kind === ROTATION ? rotation.read(id, props) : engine.read(kind, id, props);
}

export async function update(kind: string, id: string, olds: Record<string, any>, news: Record<string, any>) {
  // ApiKeyRotation has no in-place changes (diff asks for replacement); keep what it has.
  if (kind === ROTATION)
    return {
      outs: {
        ...olds,
        ...news,
        apiKey: olds.apiKey,
        apiSecret: olds.apiSecret,
        rotatedConnection: olds.rotatedConnection,
      },
    };
  return engine.update(kind, id, olds, news as engine.ProviderInputs);
}

export async function remove(kind: string, id: string, props: Record<string, any>) {
  if (kind === ROTATION) return; // see rotation.ts: the router keeps its own key
  return engine.remove(kind, id, props);
}

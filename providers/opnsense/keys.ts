/** WireGuard (Curve25519) keys with node:crypto: generate a pair, or derive the public key of a private key. */
import * as crypto from "node:crypto";

// DER prefix of a PKCS#8 X25519 private key; the 32 raw key bytes follow it.
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

export interface WireguardKeyPair {
  privateKey: string;
  publicKey: string;
}

/** The base64 public key for a base64 WireGuard private key. */
export function wireguardPublicKey(privateKeyB64: string): string {
  const raw = Buffer.from(privateKeyB64, "base64");
  if (raw.length !== 32) throw new Error("a WireGuard private key is 32 bytes of base64");
  const key = crypto.createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, raw]),
    format: "der",
    type: "pkcs8",
  });
  const jwk = crypto.createPublicKey(key).export({ format: "jwk" }) as { x: string };
  return Buffer.from(jwk.x, "base64url").toString("base64");
}

/** A fresh key pair (same format as `wg genkey | wg pubkey`). */
export function generateWireguardKeyPair(): WireguardKeyPair {
  const { privateKey } = crypto.generateKeyPairSync("x25519");
  const jwk = privateKey.export({ format: "jwk" }) as { d: string };
  const priv = Buffer.from(jwk.d, "base64url").toString("base64");
  return { privateKey: priv, publicKey: wireguardPublicKey(priv) };
}

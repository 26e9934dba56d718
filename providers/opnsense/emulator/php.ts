/** PHP behaviour the emulated controllers depend on. */

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * PHP's `base64_decode($s)` (non-strict, as UserController::delApiKeyAction calls it), byte for byte: every
 * character outside the alphabet is skipped, `=` is skipped wherever it stands (decoding goes on after it), and a
 * trailing lone sextet is dropped. So an id sent URI-encoded (`...=%3D`) does not fail: it decodes to the key
 * with stray bytes from `3D` appended, which matches no key.
 */
export function phpBase64Decode(s: string): Buffer {
  const out: number[] = [];
  let acc = 0;
  let n = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v < 0) continue;
    acc = (acc << 6) | v;
    n++;
    if (n % 4 === 0) {
      out.push((acc >> 16) & 0xff, (acc >> 8) & 0xff, acc & 0xff);
      acc = 0;
    }
  }
  // 2 sextets → 1 byte, 3 → 2 bytes, 1 → nothing.
  const rest = n % 4;
  if (rest === 2) out.push((acc >> 4) & 0xff);
  if (rest === 3) out.push((acc >> 10) & 0xff, (acc >> 2) & 0xff);
  return Buffer.from(out);
}

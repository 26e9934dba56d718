/**
 * Repair of what a killed engine can leave half-written in the file backend.
 *
 * The state and lock files themselves are replaced atomically: gocloud's fileblob, under Pulumi's diy backend,
 * writes a temporary `<file>.<hex nanoseconds>.tmp` and renames it. But each blob has an attribute sidecar,
 * `<file>.attrs`, that fileblob rewrites in place (create, then write) just before that rename. A SIGKILL between the
 * two leaves the sidecar empty or cut, and from then on every read of the blob fails (`pulumi cancel`, `stack export`:
 * `failed to load checkpoint: EOF`) although the state itself is whole. A missing sidecar is fine for fileblob (it
 * assumes defaults), so a sidecar that is not a JSON object is removed. The temporary file of a write that never
 * reached its rename is removed as well. Only call this when no engine process can be writing the stack.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** What {@link repairStackBlobs} removed. */
export interface BlobRepair {
  /** Attribute sidecars that were not a JSON object (cut by the kill), removed. */
  removedAttrs: string[];
  /** Temporary files of writes that never completed, removed. */
  removedTemps: string[];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** True when the sidecar at `file` parses as a JSON object (what fileblob decodes it into). */
export function isWholeAttrs(file: string): boolean {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** A temporary file of fileblob's: `<name>.<hex nanoseconds>.tmp`. */
const TEMP = /\.[0-9a-f]+\.tmp$/;

/**
 * Repairs the blobs of stack `stack`: in `stacksDir` only its own files (`<stack>.json`, `.json.gz`, `.json.zst`,
 * their `.bak`), in each of `ownDirs` (its lock and history folders) every file.
 */
export function repairStackBlobs(stacksDir: string, ownDirs: string[], stack: string): BlobRepair {
  const out: BlobRepair = { removedAttrs: [], removedTemps: [] };
  const mine = new RegExp(
    `^${escapeRegExp(stack)}\\.json(\\.gz|\\.zst)?(\\.bak)?(\\.attrs|\\.[0-9a-f]+\\.tmp)$`,
  );
  const visit = (dir: string, accept: (name: string) => boolean) => {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return; // no such folder: nothing to repair
    }
    for (const name of names.filter(accept).sort()) {
      const file = path.join(dir, name);
      if (name.endsWith(".attrs") && !isWholeAttrs(file)) {
        fs.rmSync(file, { force: true });
        out.removedAttrs.push(file);
      } else if (TEMP.test(name)) {
        fs.rmSync(file, { force: true });
        out.removedTemps.push(file);
      }
    }
  };
  visit(stacksDir, (n) => mine.test(n));
  for (const dir of ownDirs) visit(dir, () => true);
  return out;
}

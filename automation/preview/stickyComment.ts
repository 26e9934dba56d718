/**
 * One sticky pull-request comment, kept up to date: the preview report is posted once and then edited on every push,
 * never posted again. The comment is found by a marker in its body (report.ts's REPORT_MARKER) among the pull
 * request's comments (GitHub REST: issues/{number}/comments, every page), edited when found, created when not. The
 * token goes in the Authorization header only and is never part of an error message.
 */

/** Where and as whom. */
export interface StickyCommentOptions {
  /** REST API root, default `https://api.github.com` (GitHub Enterprise: `https://<host>/api/v3`). */
  api?: string;
  /** `owner/name`. */
  repo: string;
  /** Pull request (issue) number. */
  pr: number;
  /** A token allowed to write pull-request comments (Actions: GITHUB_TOKEN with `pull-requests: write`). */
  token: string;
  /** The comment's body; must contain {@link marker}. */
  body: string;
  /** What identifies the comment. */
  marker: string;
  /** Only comments by this login count as ours (Actions: `github-actions[bot]`). Default: any author. */
  author?: string;
  fetch?: typeof fetch;
}

/** GitHub refuses comment bodies longer than this. */
export const MAX_COMMENT = 65536;

interface IssueComment {
  id: number;
  body?: string;
  user?: { login?: string };
}

/** The body cut to GitHub's limit, saying so (the marker, at the start, stays). */
export function fitComment(body: string, limit = MAX_COMMENT): string {
  if (body.length <= limit) return body;
  const note = "\n\n… (cut: the full report is in the workflow run's summary and artifacts)\n";
  return body.slice(0, limit - note.length) + note;
}

/** Creates or edits the sticky comment; returns what it did and the comment's id. */
export async function upsertStickyComment(
  o: StickyCommentOptions,
): Promise<{ action: "created" | "updated"; id: number }> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(o.repo)) throw new Error(`repo: "${o.repo}" is not owner/name`);
  if (!Number.isInteger(o.pr) || o.pr < 1) throw new Error(`pr: ${o.pr} is not a pull request number`);
  if (!o.body.includes(o.marker))
    throw new Error("body: does not contain the marker, so it could never be found again");
  const api = (o.api ?? "https://api.github.com").replace(/\/+$/, "");
  const doFetch = o.fetch ?? fetch;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await doFetch(`${api}${path}`, {
      method,
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${o.token}`,
        "x-github-api-version": "2022-11-28",
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) {
      let message = text.slice(0, 300);
      try {
        message = JSON.parse(text).message ?? message;
      } catch {
        // not JSON
      }
      throw new Error(
        `GitHub ${method} ${path}: HTTP ${r.status}: ${message.split(o.token).join("[token]")}`,
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const base = `/repos/${o.repo}/issues`;
  let found: IssueComment | undefined;
  for (let page = 1; !found && page <= 100; page++) {
    const list = await call<IssueComment[]>("GET", `${base}/${o.pr}/comments?per_page=100&page=${page}`);
    found = list.find(
      (c) => c.body?.includes(o.marker) && (o.author === undefined || c.user?.login === o.author),
    );
    if (list.length < 100) break;
  }
  const body = fitComment(o.body);
  if (found) {
    await call("PATCH", `${base}/comments/${found.id}`, { body });
    return { action: "updated", id: found.id };
  }
  const created = await call<IssueComment>("POST", `${base}/${o.pr}/comments`, { body });
  return { action: "created", id: created.id };
}

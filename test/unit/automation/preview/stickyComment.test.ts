/**
 * The sticky pull-request comment against a local fake of GitHub's REST API (issue comments: list with pages,
 * create, edit; bearer token required): created when absent, edited when present — even past the first page of
 * comments — and never a second one; the token only in the Authorization header and never in an error.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IncomingMessage, Server, ServerResponse, createServer } from "node:http";
import { AddressInfo } from "node:net";
import { fitComment, upsertStickyComment } from "../../../../automation/preview/stickyComment";
import { REPORT_MARKER } from "../../../../automation/preview/report";
import { runCli } from "../cli/helpers";

const TOKEN = "ghs_fake0123456789abcdefghijklmnopqrstuvwx";

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}

/** A fake GitHub: one repository `acme/cloud`, pull request 7, comments in memory. */
class FakeGitHub {
  comments: Comment[] = [];
  requests: { method: string; url: string; auth?: string }[] = [];
  private next = 1000;
  server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  add(body: string, login = "someone"): void {
    this.comments.push({ id: this.next++, body, user: { login } });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: "Bad credentials" });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const input = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
    const url = new URL(req.url!, "http://x");
    let m: RegExpExecArray | null;
    if (req.method === "GET" && (m = /^\/repos\/acme\/cloud\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
      if (m[1] !== "7") return send(404, { message: "Not Found" });
      const per = Number(url.searchParams.get("per_page") ?? 30);
      const page = Number(url.searchParams.get("page") ?? 1);
      return send(200, this.comments.slice((page - 1) * per, page * per));
    }
    if (req.method === "POST" && /^\/repos\/acme\/cloud\/issues\/7\/comments$/.test(url.pathname)) {
      if (typeof input?.body !== "string" || input.body.length > 65536)
        return send(422, { message: "Validation Failed" });
      const c = { id: this.next++, body: input.body, user: { login: "github-actions[bot]" } };
      this.comments.push(c);
      return send(201, c);
    }
    if (
      req.method === "PATCH" &&
      (m = /^\/repos\/acme\/cloud\/issues\/comments\/(\d+)$/.exec(url.pathname))
    ) {
      const c = this.comments.find((x) => x.id === Number(m![1]));
      if (!c) return send(404, { message: "Not Found" });
      c.body = input.body;
      return send(200, c);
    }
    send(404, { message: "Not Found" });
  }
}

describe("sticky pull-request comment (fake GitHub REST API)", function () {
  this.timeout(30_000);
  let gh: FakeGitHub;
  beforeEach(async () => {
    gh = new FakeGitHub();
    await gh.start();
  });
  afterEach(() => gh.stop());

  const report = (n: number) => `${REPORT_MARKER}\n## Basphere preview\n\nrun ${n}\n`;
  const upsert = (body: string, extra: Partial<Parameters<typeof upsertStickyComment>[0]> = {}) =>
    upsertStickyComment({
      api: gh.url,
      repo: "acme/cloud",
      pr: 7,
      token: TOKEN,
      body,
      marker: REPORT_MARKER,
      ...extra,
    });
  const ours = () => gh.comments.filter((c) => c.body.includes(REPORT_MARKER));

  it("creates the comment when there is none, then edits that one on every later push", async () => {
    gh.add("LGTM");
    const first = await upsert(report(1));
    assert.equal(first.action, "created");
    for (const n of [2, 3]) {
      const again = await upsert(report(n));
      assert.deepEqual(again, { action: "updated", id: first.id });
    }
    assert.equal(ours().length, 1, "never a second comment");
    assert.match(ours()[0].body, /run 3/);
    assert.equal(gh.comments.length, 2, "the other comment is left alone");
  });

  it("finds its comment past the first page of comments", async () => {
    for (let i = 0; i < 150; i++) gh.add(`comment ${i}`);
    gh.add(report(0), "github-actions[bot]");
    const r = await upsert(report(1));
    assert.equal(r.action, "updated");
    assert.equal(ours().length, 1);
    assert.ok(gh.requests.some((q) => q.method === "GET" && /page=2/.test(q.url)));
  });

  it("with an author, a marked comment by someone else is not ours", async () => {
    gh.add(`quoting: ${REPORT_MARKER}`, "reviewer");
    const r = await upsert(report(1), { author: "github-actions[bot]" });
    assert.equal(r.action, "created");
    assert.equal(ours().length, 2);
    assert.equal((await upsert(report(2), { author: "github-actions[bot]" })).action, "updated");
  });

  it("sends the token only as a bearer header; an API error names the call, never the token", async () => {
    await upsert(report(1));
    assert.ok(gh.requests.every((q) => q.auth === `Bearer ${TOKEN}` && !q.url.includes(TOKEN)));
    await assert.rejects(upsert(report(1), { token: "ghs_wrong" }), (e: Error) => {
      assert.match(
        e.message,
        /^GitHub GET \/repos\/acme\/cloud\/issues\/7\/comments\?per_page=100&page=1: HTTP 401: Bad credentials$/,
      );
      assert.ok(!e.message.includes("ghs_wrong"));
      return true;
    });
    await assert.rejects(upsert(report(1), { pr: 8 }), /HTTP 404/);
  });

  it("refuses what could never be found again or is no pull request; cuts a report over GitHub's limit", async () => {
    await assert.rejects(upsert("no marker"), /body: does not contain the marker/);
    await assert.rejects(upsert(report(1), { pr: 0 }), /pr: 0 is not a pull request number/);
    await assert.rejects(upsert(report(1), { repo: "nope" }), /repo: "nope" is not owner\/name/);
    const big = report(1) + "x".repeat(100_000);
    assert.equal(fitComment(big).length, 65536);
    assert.equal((await upsert(big)).action, "created");
    assert.ok(ours()[0].body.startsWith(REPORT_MARKER) && /cut: the full report/.test(ours()[0].body));
  });

  it("the CLI reads the token from GITHUB_TOKEN, never from its arguments", async () => {
    const file = path.join(os.tmpdir(), `basphere-report-${process.pid}.md`);
    fs.writeFileSync(file, report(9));
    const args = ["pr-comment", "--file", file, "--repo", "acme/cloud", "--pr", "7", "--api", gh.url];
    const missing = await runCli(args, { env: { ...process.env, GITHUB_TOKEN: "" } });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /GITHUB_TOKEN is not set/);
    const r = await runCli(args, { env: { ...process.env, GITHUB_TOKEN: TOKEN } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pr-comment: created comment \d+ on acme\/cloud#7$/m);
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
  });
});

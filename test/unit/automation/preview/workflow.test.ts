/**
 * The pull-request workflow (.github/workflows/preview.yml) does what the README says, with the least permissions:
 * it runs on pull requests, writes only pull-request comments, hands the token to `pr-comment` through the
 * environment only, and every command and option it calls exists in the CLI.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { buildProgram } from "../../../../automation/cli/main";
import { PROJECT_ROOT } from "../../../../support/engine";

const workflow = parse(fs.readFileSync(path.join(PROJECT_ROOT, ".github/workflows/preview.yml"), "utf8"));
const steps: { name?: string; run?: string; env?: Record<string, string>; uses?: string; if?: string }[] =
  workflow.jobs.preview.steps;

describe("pull-request preview workflow", () => {
  it("runs on pull requests with contents: read and pull-requests: write only", () => {
    assert.ok(workflow.on.pull_request !== undefined);
    assert.equal(workflow.on.pull_request_target, undefined, "never runs a fork's code with a write token");
    assert.deepEqual(workflow.permissions, { contents: "read", "pull-requests": "write" });
  });

  it("calls preview-pr and pr-comment with options the CLI has; the token only in pr-comment's environment", () => {
    const program = buildProgram();
    const calls = steps.flatMap((s) =>
      [
        ...(s.run ?? "").matchAll(/basphere -- ([a-z-]+)((?:\s+--[a-z-]+(?:\s+"[^"]*"|\s+[^\s-][^\s]*)?)*)/g),
      ].map((m) => ({
        step: s,
        command: m[1],
        options: [...m[2].matchAll(/--([a-z-]+)/g)].map((o) => o[1]),
      })),
    );
    assert.deepEqual(
      calls.map((c) => c.command),
      ["preview-pr", "pr-comment"],
    );
    assert.deepEqual(
      calls.map((c) => c.options),
      [
        ["base-root", "out"],
        ["file", "repo", "pr", "author", "api"],
      ],
    );
    for (const c of calls) {
      const cmd = program.commands.find((x) => x.name() === c.command);
      assert.ok(cmd, `the CLI has ${c.command}`);
      const known = cmd.options.map((o) => o.long!.slice(2));
      for (const o of c.options) assert.ok(known.includes(o), `${c.command} --${o} exists (has ${known})`);
    }
    const withToken = steps.filter((s) => JSON.stringify(s).includes("secrets.GITHUB_TOKEN"));
    assert.deepEqual(
      withToken.map((s) => s.name),
      ["Post or edit the sticky comment"],
    );
    assert.equal(withToken[0].env?.GITHUB_TOKEN, "${{ secrets.GITHUB_TOKEN }}");
    assert.ok(!withToken[0].run!.includes("secrets."), "the token is not on the command line");
    assert.match(withToken[0].if ?? "", /head\.repo\.full_name == github\.repository/);
  });

  it("builds what preview-pr needs with the project's own scripts", () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts;
    const runs = steps.map((s) => s.run ?? "").join("\n");
    for (const m of runs.matchAll(/npm run (?:--silent )?([a-z:]+)/g))
      assert.ok(scripts[m[1]], `npm script ${m[1]}`);
    assert.match(runs, /npm run engine && npm run box:tools/);
  });
});

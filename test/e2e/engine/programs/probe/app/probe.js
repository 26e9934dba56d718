/* eslint-disable @typescript-eslint/no-require-imports */
"use strict";
// Engine test program: exports what the language host gave it (run mode, project, stack, config, node arguments,
// working folder), so that the test can compare it with what the engine was asked to do.
const pulumi = require("@pulumi/pulumi");

const cfg = new pulumi.Config();
console.log("probe: stdout line");
console.error("probe: stderr line");
pulumi.log.info(`probe: dryRun=${pulumi.runtime.isDryRun()}`);
if (cfg.getBoolean("fail")) throw new Error("probe failed on purpose");
if (cfg.getBoolean("exit")) process.exit(7);

module.exports = {
  dryRun: pulumi.runtime.isDryRun(),
  project: pulumi.getProject(),
  stack: pulumi.getStack(),
  organization: pulumi.getOrganization(),
  rootDirectory: pulumi.getRootDirectory(),
  cwd: process.cwd(),
  execArgv: process.execArgv,
  greeting: cfg.require("greeting"),
  token: cfg.requireSecret("token"),
  sync: process.env.PULUMI_NODEJS_SYNC ?? "",
};

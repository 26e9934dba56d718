/* eslint-disable @typescript-eslint/no-require-imports */
/* global exports */
"use strict";
// Engine test program: OPNsense aliases and filter rules from config, through the project's compiled dynamic
// resources (`engine-opnsense:providers` = absolute path of dist/providers/opnsense).
//   engine-opnsense:url, :apiKey (secret), :apiSecret (secret)   the router (the emulator in tests)
//   engine-opnsense:aliases  JSON { <resource name>: { name, type, content: [..] } }
//   engine-opnsense:rules    JSON { <resource name>: { action, interface, destinationPort, description } }
const pulumi = require("@pulumi/pulumi");

const config = new pulumi.Config();
const opnsense = require(config.require("providers"));
const connection = {
  url: config.require("url"),
  apiKey: config.requireSecret("apiKey"),
  apiSecret: config.requireSecret("apiSecret"),
};
const connectionInput = pulumi.all(connection).apply((c) => c);

const aliases = Object.entries(config.requireObject("aliases")).map(
  ([name, a]) => new opnsense.Alias(name, { connection: connectionInput, ...a }),
);
const rules = Object.entries(config.getObject("rules") ?? {}).map(
  ([name, r]) =>
    new opnsense.FirewallRule(name, { connection: connectionInput, ...r }, { dependsOn: aliases }),
);

exports.aliasUuids = aliases.map((a) => a.uuid);
exports.ruleUuids = rules.map((r) => r.uuid);

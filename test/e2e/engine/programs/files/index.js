/* eslint-disable @typescript-eslint/no-require-imports */
/* global setTimeout, exports */
"use strict";
// Engine test program: `files:records` (JSON object name -> content) becomes one file per record in `files:dir`,
// each managed by a dynamic resource. Optional `files:delayMs` slows every create/update (for crash tests).
const pulumi = require("@pulumi/pulumi");

const fileProvider = {
  async create(inputs) {
    const fs = require("node:fs/promises");
    const path = require("node:path");
    if (inputs.delayMs > 0) await new Promise((r) => setTimeout(r, inputs.delayMs));
    await fs.mkdir(inputs.dir, { recursive: true });
    await fs.writeFile(path.join(inputs.dir, inputs.name), inputs.content);
    return { id: inputs.name, outs: inputs };
  },
  async diff(_id, olds, news) {
    const replaces =
      olds.dir !== news.dir || olds.name !== news.name
        ? ["dir", "name"].filter((k) => olds[k] !== news[k])
        : [];
    const changes = replaces.length > 0 || olds.content !== news.content;
    return { changes, replaces, deleteBeforeReplace: true };
  },
  async update(_id, _olds, news) {
    const fs = require("node:fs/promises");
    const path = require("node:path");
    if (news.delayMs > 0) await new Promise((r) => setTimeout(r, news.delayMs));
    await fs.writeFile(path.join(news.dir, news.name), news.content);
    return { outs: news };
  },
  async read(id, props) {
    const fs = require("node:fs/promises");
    const path = require("node:path");
    try {
      const content = await fs.readFile(path.join(props.dir, id), "utf8");
      return { id, props: { ...props, content } };
    } catch (err) {
      if (err.code === "ENOENT") return {};
      throw err;
    }
  },
  async delete(id, props) {
    const fs = require("node:fs/promises");
    const path = require("node:path");
    await fs.rm(path.join(props.dir, id), { force: true });
  },
};

class File extends pulumi.dynamic.Resource {
  constructor(name, args, opts) {
    super(fileProvider, name, { ...args }, opts);
  }
}

const config = new pulumi.Config("files");
const dir = config.require("dir");
const records = config.requireObject("records");
const delayMs = config.getNumber("delayMs") ?? 0;

const files = Object.entries(records).map(
  ([name, content]) => new File(name, { dir, name, content, delayMs }),
);

exports.dir = dir;
exports.ids = files.map((f) => f.id);
exports.token = config.getSecret("token");

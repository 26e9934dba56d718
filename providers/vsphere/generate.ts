/**
 * Generates the typed vSphere bindings in this folder from the provider schema
 * (`reference/vsphere-provider-schema.json`, pulumi-vsphere v4.17.0), in the shape `@pulumi/vsphere` has:
 * one file per resource and per function, `types/input.ts`, `types/output.ts` and `index.ts`.
 *
 * Run after changing the schema or descriptions.ts:
 *
 *   npx tsc -p . && node dist/providers/vsphere/generate.js
 *
 * A unit test (test/unit/providers/vsphere-generate.test.ts) fails when the committed files differ from what
 * this generator produces.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { descriptions } from "./descriptions";

// ---- schema model -------------------------------------------------------------------------------------------

/** One property in the Pulumi package schema. */
export interface SchemaProperty {
  type?: "string" | "integer" | "number" | "boolean" | "array" | "object";
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
  $ref?: string;
  secret?: boolean;
  willReplaceOnChanges?: boolean;
}

export interface SchemaObject {
  type?: "object";
  properties: Record<string, SchemaProperty>;
  required?: string[];
}

export interface SchemaResource {
  inputProperties?: Record<string, SchemaProperty>;
  properties: Record<string, SchemaProperty>;
  required?: string[];
  requiredInputs?: string[];
  stateInputs?: SchemaObject;
}

export interface SchemaFunction {
  inputs?: SchemaObject;
  outputs: SchemaObject;
}

export interface Schema {
  name: string;
  provenance?: string;
  resources: Record<string, SchemaResource>;
  functions: Record<string, SchemaFunction>;
  types: Record<string, SchemaObject>;
}

/** Repository root, from either the source tree or dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/** Path of the schema the bindings are generated from. */
export const SCHEMA_PATH = "reference/vsphere-provider-schema.json";
/** Folder (relative to the repository root) the generated files are written to. */
export const OUT_DIR = "providers/vsphere";

export function loadSchema(root = repoRoot()): Schema {
  return JSON.parse(fs.readFileSync(path.join(root, SCHEMA_PATH), "utf8")) as Schema;
}

// ---- naming ---------------------------------------------------------------------------------------------------

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** `vsphere:index/virtualMachine:VirtualMachine` → `VirtualMachine`; `...:getNetworkFilter` → `GetNetworkFilter`. */
export function typeName(token: string): string {
  return upperFirst(token.split(":").pop()!);
}

/** `vsphere:index/getDatacenter:getDatacenter` → `getDatacenter`. */
export function functionName(token: string): string {
  return lowerFirst(token.split(":").pop()!);
}

/** The module file a resource or function lives in (`virtualMachine`, `getDatacenter`), as in the SDK. */
export function moduleName(token: string): string {
  return token.split(":")[1].split("/").pop()!;
}

function refToken(ref: string): string {
  const prefix = "#/types/";
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}

// ---- TypeScript type rendering ------------------------------------------------------------------------------

/** How object types are named in one place of the output. */
interface RefStyle {
  /** Prefix before the type name (`inputs.`, `outputs.` or none inside types/*.ts). */
  prefix: string;
  /** Suffix after it (`Args` for the Input-wrapped flavour of function argument types). */
  suffix: string;
}

/** `pulumi.Input<...>`-wrapped type, as used in resource Args/State and function OutputArgs. */
function inputType(p: SchemaProperty, style: RefStyle): string {
  return `pulumi.Input<${typeText(p, style, true)}>`;
}

/** Plain type, as used in function arguments and all outputs. */
function plainType(p: SchemaProperty, style: RefStyle): string {
  return typeText(p, style, false);
}

/** A property's type; with `input`, array items and map values are `pulumi.Input<...>` too. */
function typeText(p: SchemaProperty, style: RefStyle, input: boolean): string {
  if (p.$ref) return `${style.prefix}${typeName(refToken(p.$ref))}${style.suffix}`;
  const inner = (q: SchemaProperty) => (input ? inputType(q, style) : plainType(q, style));
  switch (p.type) {
    case "array":
      return `${inner(p.items!)}[]`;
    case "object":
      return `{[key: string]: ${inner(p.additionalProperties ?? { type: "string" })}}`;
    default:
      return primitive(p);
  }
}

function primitive(p: SchemaProperty): string {
  switch (p.type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      throw new Error(`unsupported schema type ${JSON.stringify(p)}`);
  }
}

/** A short human description of a schema type, for generic doc comments. */
function describeType(p: SchemaProperty): string {
  if (p.$ref) return `a \`${typeName(refToken(p.$ref))}\` object`;
  switch (p.type) {
    case "array":
      return `a list of ${describeType(p.items!).replace(/^an? /, "")}s`;
    case "object":
      return `a map of string keys to ${describeType(p.additionalProperties ?? { type: "string" }).replace(/^an? /, "")}s`;
    case "integer":
      return "an integer";
    case "number":
      return "a number";
    default:
      return `a ${p.type}`;
  }
}

function docComment(owner: string, prop: string, p: SchemaProperty, notes: string[] = []): string {
  const text =
    descriptions[`${owner}.${prop}`] ??
    descriptions[`*.${prop}`] ??
    `The provider's \`${prop}\` setting (${describeType(p)}).`;
  const extra = [...notes];
  if (p.willReplaceOnChanges) extra.push("Changing it replaces the resource.");
  if (p.secret) extra.push("Secret: stored encrypted in the Pulumi state.");
  const body = [text, ...extra].join(" ");
  return `/**\n * ${body.replace(/\*\//g, "*\\/")}\n */`;
}

function optional(required: boolean): string {
  return required ? "" : "?";
}

/** Types reachable from some properties (transitively through nested object types). */
function reachable(schema: Schema, props: SchemaProperty[], into: Set<string>): Set<string> {
  const visit = (p: SchemaProperty | undefined) => {
    if (!p) return;
    if (p.$ref) {
      const t = refToken(p.$ref);
      if (into.has(t)) return;
      if (!schema.types[t]) throw new Error(`schema references missing type ${t}`);
      into.add(t);
      Object.values(schema.types[t].properties).forEach(visit);
    }
    visit(p.items);
    visit(p.additionalProperties);
  };
  props.forEach(visit);
  return into;
}

/** Paths (property names) from a property down to nested `secret: true` fields. */
export function nestedSecretPaths(schema: Schema, p: SchemaProperty, seen: string[] = []): string[][] {
  const inner = p.items ?? p.additionalProperties;
  if (inner) return nestedSecretPaths(schema, inner, seen);
  if (!p.$ref) return [];
  const t = refToken(p.$ref);
  if (seen.includes(t)) return [];
  const out: string[][] = [];
  for (const [name, child] of Object.entries(schema.types[t].properties)) {
    if (child.secret) out.push([name]);
    for (const sub of nestedSecretPaths(schema, child, [...seen, t])) out.push([name, ...sub]);
  }
  return out;
}

const HEADER =
  "// *** Generated by providers/vsphere/generate.ts from reference/vsphere-provider-schema.json. ***\n// *** Do not edit by hand: change the schema or descriptions.ts and re-run the generator.      ***\n";

const RESERVED = new Set(["urn", "id"]);

/** `name` is required by the Terraform provider but optional in the Pulumi schema: the bridge auto-names it. */
const AUTONAME_NOTE =
  "Optional: when omitted the provider auto-names the object from the Pulumi resource name plus a random suffix; set it when the name in vSphere matters.";

// ---- resources ---------------------------------------------------------------------------------------------------

function renderResource(schema: Schema, token: string, r: SchemaResource): string {
  const name = typeName(token);
  const inputs = r.inputProperties ?? {};
  const props = r.properties;
  const stateProps = r.stateInputs?.properties ?? {};
  const requiredInputs = new Set(r.requiredInputs ?? []);
  const requiredOutputs = new Set(r.required ?? []);
  const inStyle: RefStyle = { prefix: "inputs.", suffix: "" };
  const outStyle: RefStyle = { prefix: "outputs.", suffix: "" };
  for (const p of [...Object.keys(inputs), ...Object.keys(props)]) {
    if (RESERVED.has(p)) throw new Error(`${name}.${p} collides with a CustomResource member`);
  }

  const allNames = [...new Set([...Object.keys(props), ...Object.keys(inputs)])].sort();
  const outputOnly = Object.keys(props)
    .filter((p) => !(p in inputs))
    .sort();
  const secretTop = allNames.filter((p) => (inputs[p] ?? props[p]).secret);
  const usesInputs = [...Object.values(inputs), ...Object.values(stateProps)].some(
    (p) => reachable(schema, [p], new Set()).size,
  );
  const usesOutputs = Object.values(props).some((p) => reachable(schema, [p], new Set()).size);

  const lines: string[] = [HEADER];
  lines.push(`import * as pulumi from "@pulumi/pulumi";`);
  if (usesInputs) lines.push(`import * as inputs from "./types/input";`);
  if (usesOutputs) lines.push(`import * as outputs from "./types/output";`);
  lines.push(`import * as utilities from "./utilities";`, "");

  lines.push(`/**\n * The \`${token}\` resource of the vSphere provider (pulumi-vsphere v4.17.0).\n */`);
  lines.push(`export class ${name} extends pulumi.CustomResource {`);
  lines.push(
    `/**\n * Get an existing ${name} resource's state with the given name, ID, and optional extra properties used to qualify the lookup.\n */`,
    `public static get(name: string, id: pulumi.Input<pulumi.ID>, state?: ${name}State, opts?: pulumi.CustomResourceOptions): ${name} {`,
    `return new ${name}(name, <any>state, { ...opts, id: id });`,
    `}`,
    "",
    `/** @internal */`,
    `public static readonly __pulumiType = "${token}";`,
    "",
    `/**\n * Returns true if the given object is an instance of ${name}. This is designed to work even when multiple copies of the Pulumi SDK have been loaded into the same process.\n */`,
    `public static isInstance(obj: any): obj is ${name} {`,
    `if (obj === undefined || obj === null) {\nreturn false;\n}`,
    `return obj["__pulumiType"] === ${name}.__pulumiType;`,
    `}`,
    "",
  );
  for (const p of Object.keys(props).sort()) {
    const t = plainType(props[p], outStyle);
    const req = requiredOutputs.has(p);
    lines.push(docComment(name, p, props[p]));
    lines.push(`declare public readonly ${p}: pulumi.Output<${t}${req ? "" : " | undefined"}>;`);
  }
  lines.push("");
  lines.push(
    `/**\n * Create a ${name} resource with the given unique name, arguments, and options.\n *\n * @param name The _unique_ name of the resource.\n * @param args The arguments to use to populate this resource's properties.\n * @param opts A bag of options that control this resource's behavior.\n */`,
  );
  const argsOptional = requiredInputs.size === 0 ? "?" : "";
  lines.push(
    `constructor(name: string, args${argsOptional}: ${name}Args, opts?: pulumi.CustomResourceOptions)`,
  );
  lines.push(
    `constructor(name: string, argsOrState?: ${name}Args | ${name}State, opts?: pulumi.CustomResourceOptions) {`,
  );
  lines.push(`const resourceInputs: pulumi.Inputs = {};`, `opts = opts || {};`, `if (opts.id) {`);
  lines.push(`const state = argsOrState as ${name}State | undefined;`);
  for (const p of Object.keys(stateProps).sort()) lines.push(`resourceInputs["${p}"] = state?.${p};`);
  lines.push(`} else {`, `const args = argsOrState as ${name}Args | undefined;`);
  for (const p of [...requiredInputs].sort()) {
    lines.push(
      `if (args?.${p} === undefined && !opts.urn) {`,
      `throw new Error("Missing required property '${p}'");`,
      `}`,
    );
  }
  for (const p of Object.keys(inputs).sort()) {
    const nested = nestedSecretPaths(schema, inputs[p]);
    if (inputs[p].secret) {
      lines.push(`resourceInputs["${p}"] = args?.${p} ? pulumi.secret(args.${p}) : undefined;`);
    } else if (nested.length) {
      lines.push(`resourceInputs["${p}"] = utilities.secretFields(args?.${p}, ${JSON.stringify(nested)});`);
    } else {
      lines.push(`resourceInputs["${p}"] = args?.${p};`);
    }
  }
  for (const p of outputOnly) lines.push(`resourceInputs["${p}"] = undefined /*out*/;`);
  lines.push(`}`);
  lines.push(`opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts);`);
  if (secretTop.length) {
    lines.push(`const secretOpts = { additionalSecretOutputs: ${JSON.stringify(secretTop)} };`);
    lines.push(`opts = pulumi.mergeOptions(opts, secretOpts);`);
  }
  lines.push(`super(${name}.__pulumiType, name, resourceInputs, opts);`, `}`, `}`, "");

  // State (all properties, Input-wrapped, optional) and Args (inputs).
  lines.push(`/**\n * Input properties used for looking up and filtering ${name} resources.\n */`);
  lines.push(`export interface ${name}State {`);
  for (const p of Object.keys(stateProps).sort()) {
    lines.push(docComment(name, p, stateProps[p]));
    lines.push(`${p}?: ${inputType(stateProps[p], inStyle)};`);
  }
  lines.push(`}`, "");
  lines.push(`/**\n * The set of arguments for constructing a ${name} resource.\n */`);
  lines.push(`export interface ${name}Args {`);
  for (const p of Object.keys(inputs).sort()) {
    const req = requiredInputs.has(p);
    const notes = req ? ["Required."] : p === "name" ? [AUTONAME_NOTE] : [];
    lines.push(docComment(name, p, inputs[p], notes));
    lines.push(`${p}${optional(req)}: ${inputType(inputs[p], inStyle)};`);
  }
  lines.push(`}`, "");
  return lines.join("\n");
}

// ---- functions ---------------------------------------------------------------------------------------------------

function renderFunction(schema: Schema, token: string, f: SchemaFunction): string {
  const fn = functionName(token);
  const T = upperFirst(fn);
  const inProps = f.inputs?.properties ?? {};
  const inRequired = new Set(f.inputs?.required ?? []);
  const outProps = f.outputs.properties;
  const outRequired = new Set(f.outputs.required ?? []);
  const argsOptional = inRequired.size === 0 ? "?" : "";
  const usesInputs = reachable(schema, Object.values(inProps), new Set()).size > 0;
  const usesOutputs = reachable(schema, Object.values(outProps), new Set()).size > 0;
  const lines: string[] = [HEADER];
  lines.push(`import * as pulumi from "@pulumi/pulumi";`);
  if (usesInputs) lines.push(`import * as inputs from "./types/input";`);
  if (usesOutputs) lines.push(`import * as outputs from "./types/output";`);
  lines.push(`import * as utilities from "./utilities";`, "");

  const call = (fnName: string, optsType: string, ret: string, argsType: string) => {
    lines.push(`/**\n * Invokes \`${token}\` (pulumi-vsphere v4.17.0).\n */`);
    lines.push(`export function ${fnName}(args${argsOptional}: ${argsType}, opts?: ${optsType}): ${ret} {`);
    if (argsOptional) lines.push(`args = args || {};`);
    lines.push(`opts = pulumi.mergeOptions(utilities.resourceOptsDefaults(), opts || {});`);
    const rt = fnName.endsWith("Output") ? "invokeOutput" : "invoke";
    lines.push(`return pulumi.runtime.${rt}("${token}", {`);
    for (const p of Object.keys(inProps).sort()) lines.push(`"${p}": args.${p},`);
    lines.push(`}, opts);`, `}`, "");
  };

  call(fn, "pulumi.InvokeOptions", `Promise<${T}Result>`, `${T}Args`);
  lines.push(`/**\n * A collection of arguments for invoking ${fn}.\n */`, `export interface ${T}Args {`);
  for (const p of Object.keys(inProps).sort()) {
    lines.push(docComment(T, p, inProps[p]));
    lines.push(
      `${p}${optional(inRequired.has(p))}: ${plainType(inProps[p], { prefix: "inputs.", suffix: "" })};`,
    );
  }
  lines.push(`}`, "");
  lines.push(`/**\n * A collection of values returned by ${fn}.\n */`, `export interface ${T}Result {`);
  for (const p of Object.keys(outProps).sort()) {
    lines.push(docComment(T, p, outProps[p]));
    lines.push(
      `readonly ${p}${optional(outRequired.has(p))}: ${plainType(outProps[p], { prefix: "outputs.", suffix: "" })};`,
    );
  }
  lines.push(`}`, "");
  call(`${fn}Output`, "pulumi.InvokeOutputOptions", `pulumi.Output<${T}Result>`, `${T}OutputArgs`);
  lines.push(
    `/**\n * A collection of arguments for invoking ${fn}.\n */`,
    `export interface ${T}OutputArgs {`,
  );
  for (const p of Object.keys(inProps).sort()) {
    lines.push(docComment(T, p, inProps[p]));
    lines.push(
      `${p}${optional(inRequired.has(p))}: ${inputType(inProps[p], { prefix: "inputs.", suffix: "Args" })};`,
    );
  }
  lines.push(`}`, "");
  return lines.join("\n");
}

// ---- types/input.ts and types/output.ts ------------------------------------------------------------------------

function renderTypes(schema: Schema): { input: string; output: string } {
  const resourceInputTypes = reachable(
    schema,
    Object.values(schema.resources).flatMap((r) => [
      ...Object.values(r.inputProperties ?? {}),
      ...Object.values(r.stateInputs?.properties ?? {}),
    ]),
    new Set(),
  );
  const functionInputTypes = reachable(
    schema,
    Object.values(schema.functions).flatMap((f) => Object.values(f.inputs?.properties ?? {})),
    new Set(),
  );
  const outputTypes = reachable(
    schema,
    [
      ...Object.values(schema.resources).flatMap((r) => Object.values(r.properties)),
      ...Object.values(schema.functions).flatMap((f) => Object.values(f.outputs.properties)),
    ],
    new Set(),
  );
  for (const t of functionInputTypes) {
    if (resourceInputTypes.has(t)) throw new Error(`type ${t} is used by both resource and function inputs`);
  }
  const input: string[] = [HEADER, `import * as pulumi from "@pulumi/pulumi";`, ""];
  const output: string[] = [HEADER];
  const sorted = (s: Set<string>) => [...s].sort((a, b) => typeName(a).localeCompare(typeName(b)));

  const renderInterface = (
    out: string[],
    token: string,
    nameSuffix: string,
    render: (p: SchemaProperty) => string,
    requiredSet: Set<string>,
    readonly = false,
  ) => {
    const t = schema.types[token];
    const name = typeName(token);
    out.push(`/**\n * The \`${token}\` object type.\n */`, `export interface ${name}${nameSuffix} {`);
    for (const p of Object.keys(t.properties).sort()) {
      out.push(docComment(name, p, t.properties[p], requiredSet.has(p) && !readonly ? ["Required."] : []));
      out.push(
        `${readonly ? "readonly " : ""}${p}${optional(requiredSet.has(p))}: ${render(t.properties[p])};`,
      );
    }
    out.push(`}`, "");
  };

  for (const token of sorted(new Set([...resourceInputTypes, ...functionInputTypes]))) {
    const req = new Set(schema.types[token].required ?? []);
    if (resourceInputTypes.has(token)) {
      renderInterface(input, token, "", (p) => inputType(p, { prefix: "", suffix: "" }), req);
    } else {
      renderInterface(input, token, "", (p) => plainType(p, { prefix: "", suffix: "" }), req);
      renderInterface(input, token, "Args", (p) => inputType(p, { prefix: "", suffix: "Args" }), req);
    }
  }
  for (const token of sorted(outputTypes)) {
    const req = new Set(schema.types[token].required ?? []);
    renderInterface(output, token, "", (p) => plainType(p, { prefix: "", suffix: "" }), req);
  }
  if (input.length === 3) input.splice(1, 2, "export {};");
  return { input: input.join("\n"), output: output.join("\n") };
}

function renderIndex(schema: Schema): string {
  const lines = [
    HEADER,
    `// Same public names as @pulumi/vsphere: \`import * as vsphere from "<this folder>"\` then \`new vsphere.VirtualMachine(...)\`.`,
  ];
  const mods = [...Object.keys(schema.functions), ...Object.keys(schema.resources)].map(moduleName).sort();
  for (const m of mods) lines.push(`export * from "./${m}";`);
  lines.push(`export { PROVIDER_VERSION } from "./utilities";`, "");
  lines.push(`import * as types from "./types";`, `export { types };`, "");
  return lines.join("\n");
}

const TYPES_INDEX = `${HEADER}import * as input from "./input";\nimport * as output from "./output";\n\nexport { input, output };\n`;

/** Every generated file (path relative to providers/vsphere) and its unformatted content. */
export function generateRaw(schema: Schema): Map<string, string> {
  const files = new Map<string, string>();
  for (const [token, r] of Object.entries(schema.resources))
    files.set(`${moduleName(token)}.ts`, renderResource(schema, token, r));
  for (const [token, f] of Object.entries(schema.functions))
    files.set(`${moduleName(token)}.ts`, renderFunction(schema, token, f));
  const { input, output } = renderTypes(schema);
  files.set("types/input.ts", input);
  files.set("types/output.ts", output);
  files.set("types/index.ts", TYPES_INDEX);
  files.set("index.ts", renderIndex(schema));
  return files;
}

/** Every generated file, formatted with the repository's Prettier settings. */
export async function generate(schema: Schema, root = repoRoot()): Promise<Map<string, string>> {
  const prettier = await import("prettier");
  const config = (await prettier.resolveConfig(path.join(root, OUT_DIR, "index.ts"))) ?? {};
  const out = new Map<string, string>();
  for (const [file, text] of generateRaw(schema)) {
    out.set(file, await prettier.format(text, { ...config, parser: "typescript" }));
  }
  return out;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const files = await generate(loadSchema(root), root);
  for (const [file, text] of files) {
    const target = path.join(root, OUT_DIR, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
  process.stdout.write(`wrote ${files.size} files to ${OUT_DIR}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}

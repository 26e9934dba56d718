/**
 * The layer rules of docs/architecture.md, checked by dependency-cruiser in `npm run lint` (and so in CI).
 * Layers, lowest first; each may import only the layers below it (and libraries):
 *
 *   model → providers → components → stacks (+ index.ts) → automation/* (engine, allocator, store, worker, plan,
 *   preview, service) → box → automation/cli → support → bench, test
 *
 * test/ may import anything but is imported by nothing. A violation fails with the path that breaks the rule.
 */
const SRC = "^(index\\.ts|model|providers|components|stacks|automation|box|support|bench|test)(/|$)";

/** A rule: files under `from` must not import files matching `to`. */
const forbid = (name, comment, from, to, extra = {}) => ({
  name,
  comment,
  severity: "error",
  from: { path: from, ...(extra.from ?? {}) },
  to: { path: to, ...(extra.to ?? {}) },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles, type-only imports included.",
      severity: "error",
      from: { path: SRC },
      to: { circular: true },
    },
    forbid(
      "model-imports-only-libraries",
      "model/ is the domain layer: it imports libraries and model/ only.",
      "^model/",
      "^(index\\.ts|providers|components|stacks|automation|box|support|bench|test)(/|$)",
    ),
    forbid(
      "model-has-no-pulumi",
      "model/ is plain data and rules: no Pulumi SDK or provider, so the service and the CLI load it cheaply.",
      "^model/",
      "^node_modules/@pulumi/",
    ),
    forbid(
      "providers-below-components",
      "providers/ (resource bindings, API clients, emulators) import model/ and providers/ only.",
      "^providers/",
      "^(index\\.ts|components|stacks|automation|box|support|bench|test)(/|$)",
    ),
    forbid(
      "components-below-stacks",
      "components/ (ComponentResources and their pure renderers) never import a stack or anything above.",
      "^components/",
      "^(index\\.ts|stacks|automation|box|support|bench|test)(/|$)",
    ),
    forbid(
      "stacks-below-automation",
      "stacks/ (the programs of each stack kind) never import the automation, the box, benches or tests.",
      "^(stacks/|index\\.ts$)",
      "^(automation|box|support|bench|test)(/|$)",
    ),
    forbid(
      "automation-below-box-and-cli",
      "The automation libraries (engine, allocator, store, worker, plan, preview, service) never import the box or the CLI.",
      "^automation/(?!cli/)",
      "^(automation/cli|box|support|bench|test)(/|$)",
    ),
    forbid(
      "engine-is-a-library",
      "automation/engine drives the Pulumi CLI; it knows nothing of the service, its store, queue or plans.",
      "^automation/engine/",
      "^automation/(allocator|store|worker|service|plan|preview)/",
    ),
    forbid(
      "allocator-is-pure",
      "automation/allocator is the allocation rules: no store, no worker, no service.",
      "^automation/allocator/",
      "^automation/(engine|store|worker|service|plan|preview)/",
    ),
    forbid(
      "store-below-worker",
      "automation/store persists; it never calls the worker, the service or the engine.",
      "^automation/store/",
      "^automation/(engine|worker|service|plan|preview)/",
    ),
    forbid(
      "worker-below-service",
      "automation/worker runs operations through an EngineDriver; it never imports the HTTP service.",
      "^automation/worker/",
      "^automation/(service|plan|preview)/",
    ),
    forbid(
      "offline-plan-is-not-the-service",
      "automation/plan and automation/preview run programs under mocks; they never touch the service side.",
      "^automation/(plan|preview)/",
      "^automation/(engine|allocator|store|worker|service)/",
    ),
    {
      name: "cli-client-loads-only-http",
      comment:
        "The CLI's client commands (basphere tenants …) only talk HTTP: nothing they load reaches the store, the service, the engine, fastify, pino or the Pulumi SDK (they run under Node 20, which has no node:sqlite).",
      severity: "error",
      from: { path: "^automation/cli/(tenants|client)\\.ts$" },
      to: {
        path: "^(automation/(store|service|engine|worker|allocator)/|model/|stacks/|node_modules/(fastify|pino|@pulumi|zod)/)",
        reachable: true,
      },
    },
    forbid(
      "box-below-cli",
      "box/ (the datacenter in a box) is started by the CLI and the tests, never the other way round.",
      "^box/",
      "^(automation/cli|support|bench|test)(/|$)",
    ),
    forbid(
      "support-below-tests-and-benches",
      "support/ holds what tests and benches share (sandboxes, the service and the box started for a test, fakes).",
      "^support/",
      "^(bench|test)/",
    ),
    forbid(
      "nothing-imports-tests",
      "test/ is imported by nothing outside it: benches share helpers with tests through support/.",
      "^(?!test/)",
      "^test/",
    ),
  ],
  options: {
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules|\\.box|\\.pulumi-root|\\.data)/" },
  },
};

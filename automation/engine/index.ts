/** The real Pulumi engine for basphere: offline environment, shared CLI, stack operations, crash recovery. */
export * from "./environment";
export * from "./command";
export * from "./operation";
export * from "./engine";
export { findEngineProcesses, killTree, processTree } from "./processes";

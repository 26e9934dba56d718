/**
 * How the vSphere provider simulator speaks: every log line and every error it reports starts with
 * `vsphere-simulator:`, so no one takes it for the real `pulumi-resource-vsphere`. Log lines go to stderr (the
 * engine keeps a plugin's stderr in its log; stdout carries only the port handshake). Nothing here ever receives
 * a secret: callers log names, ids and types, never property values.
 */

/** The prefix of every line and error message. */
export const PREFIX = "vsphere-simulator:";

/** A sink for log lines (without the prefix). */
export type Logger = (line: string) => void;

/** The default logger: one prefixed line on stderr. */
export const stderrLogger: Logger = (line) => {
  process.stderr.write(`${PREFIX} ${line}\n`);
};

/** A logger that drops everything (tests). */
export const silentLogger: Logger = () => {};

/**
 * An error as vCenter or the provider would report it, prefixed. `property` names the input it is about, when
 * there is one.
 */
export class SimulatorError extends Error {
  constructor(
    message: string,
    readonly property?: string,
  ) {
    super(`${PREFIX} ${message}`);
    this.name = "SimulatorError";
  }
}

/** Prefixes a check-failure reason. */
export function reason(message: string): string {
  return `${PREFIX} ${message}`;
}

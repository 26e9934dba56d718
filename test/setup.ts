/**
 * Mocha's `--require` file: installs the recording Pulumi mocks once, before any test imports program code.
 */
import { installMocks } from "../automation/plan/mockRuntime";

installMocks({ project: "basphere", stack: "test" });

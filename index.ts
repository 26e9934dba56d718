/**
 * Basphere's one Pulumi program. `basphere:kind` in the stack config (oci | onprem | tenant) selects which stack
 * it builds; see stacks/. Operators (`pulumi up`), the automation service and the offline plan all run this.
 */
import { runStack } from "./stacks";

export = runStack();

/**
 * The stack kinds of the program (`basphere:kind`): plain data, so the CLI can offer them as choices without
 * loading a stack, the Pulumi SDK or zod. stacks/index.ts runs one program per kind.
 */
export const STACK_KINDS = ["oci", "onprem", "tenant", "box"] as const;
/** One stack kind. */
export type StackKind = (typeof STACK_KINDS)[number];

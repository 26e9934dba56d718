/**
 * The stack kinds, for registering the CLI's options without loading stacks/config (which loads @pulumi/pulumi
 * and zod). Must equal STACK_KINDS of stacks/config.ts; test/unit/cli/lazyLoad.test.ts checks that it does.
 */
export const CLI_STACK_KINDS = ["oci", "onprem", "tenant", "box"] as const;

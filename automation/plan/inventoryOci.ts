/**
 * Mock answers for the OCI provider's invokes (images, availability domains, ...) and the outputs OCI resources
 * return (OCIDs, addresses). Registered into the shared inventory by import from inventory.ts.
 */
export {};

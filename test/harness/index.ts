/**
 * The component-test harness. Mocks are installed by test/setup.ts before any test file loads; tests use
 * {@link harness} to reset between cases, run code under the mocks, and read what was registered:
 *
 *   const vm = harness.get("router", "VirtualMachine");
 *   expect(vm.inputs.numCpus).to.equal(2);
 */
import { Inventory, defaultInventory } from "../../automation/plan/inventory";
import { RecordingMocks, captureUnhandled, installMocks, resolve } from "../../automation/plan/mockRuntime";

export { resolve, defaultInventory };
export type { RecordedResource } from "../../automation/plan/mockRuntime";

/** The process-wide recording mocks. */
export const harness: RecordingMocks & {
  /** Resets, runs `fn` (which creates components), waits for every registration, and returns the mocks. */
  run<T>(fn: () => T | Promise<T>, inventory?: Inventory): Promise<T>;
} = Object.assign(installMocks(), {
  async run<T>(this: RecordingMocks, fn: () => T | Promise<T>, inventory?: Inventory): Promise<T> {
    this.reset(inventory ?? defaultInventory());
    const result = await captureUnhandled(this, async () => {
      const r = await fn();
      await this.settle();
      return r;
    });
    if (this.errors.length) throw this.errors[0];
    return result;
  },
});

/**
 * In-process notifications of operation progress: the worker publishes every stored event and every operation
 * state change; SSE streams and tests subscribe. The store stays the source of truth — a subscriber that missed a
 * notification reads the store again.
 */
import { EventEmitter } from "node:events";
import { Operation, OperationEvent } from "../store/types";

export class OperationBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  publishEvent(ev: OperationEvent): void {
    this.emitter.emit(`event:${ev.opId}`, ev);
  }
  publishOperation(op: Operation): void {
    this.emitter.emit(`op:${op.id}`, op);
    this.emitter.emit("op", op);
  }
  /** Subscribes to one operation's events and state changes; returns the unsubscribe function. */
  watch(
    opId: string,
    onEvent: (ev: OperationEvent) => void,
    onOperation: (op: Operation) => void,
  ): () => void {
    this.emitter.on(`event:${opId}`, onEvent);
    this.emitter.on(`op:${opId}`, onOperation);
    return () => {
      this.emitter.off(`event:${opId}`, onEvent);
      this.emitter.off(`op:${opId}`, onOperation);
    };
  }
  /** How many subscriptions are open (all operations), e.g. to check that closed streams let go of theirs. */
  listenerCount(): number {
    return this.emitter.eventNames().reduce((n, e) => n + this.emitter.listenerCount(e), 0);
  }
  /** Subscribes to every operation state change. */
  onOperation(fn: (op: Operation) => void): () => void {
    this.emitter.on("op", fn);
    return () => this.emitter.off("op", fn);
  }
}

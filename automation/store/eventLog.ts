/**
 * The events of operations: numbered per operation (seq 1, 2, …, in one transaction with the number's read, so two
 * writers never take the same one), paged by seq. Any replica reads them: they are what the SSE stream serves.
 */
import { eventOf, json, pageBound } from "./rows";
import { SqlDb } from "./sql/db";
import type { OperationEvent } from "./types";

export class EventLog {
  constructor(
    private readonly db: SqlDb,
    private readonly now: () => string,
  ) {}

  append(opId: string, type: string, data?: unknown): Promise<OperationEvent> {
    return this.db.tx(async () => {
      const r = (await this.db.get("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM events WHERE op_id = ?", [
        opId,
      ]))!;
      const ev: OperationEvent = { opId, seq: Number(r.next), time: this.now(), type, data: data ?? null };
      await this.db.run("INSERT INTO events (op_id, seq, time, type, data) VALUES (?, ?, ?, ?, ?)", [
        opId,
        ev.seq,
        ev.time,
        type,
        json(ev.data),
      ]);
      return ev;
    });
  }

  /** Events of `opId` after seq `after`, at most `limit`, in order. */
  async list(opId: string, after: number, limit: number): Promise<OperationEvent[]> {
    pageBound("after", after, 0);
    pageBound("limit", limit, 1);
    return (
      await this.db.all("SELECT * FROM events WHERE op_id = ? AND seq > ? ORDER BY seq LIMIT ?", [
        opId,
        after,
        limit,
      ])
    ).map(eventOf);
  }
}

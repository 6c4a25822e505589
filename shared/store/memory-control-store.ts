import { MemoryItemTable } from "./memory-item-table";
import { TableControlStore } from "./table-control-store";

/**
 * In-memory `ControlStore` for unit tests and fakes: the DynamoDB store's logic on a table held in memory (the
 * contract suite runs against both), no persistence.
 */
export class MemoryControlStore extends TableControlStore {
  constructor(now: () => number = Date.now) {
    super(new MemoryItemTable(now), now);
  }
}

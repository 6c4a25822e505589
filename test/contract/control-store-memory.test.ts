import { MemoryControlStore } from "../../shared/store/memory-control-store";
import { runControlStoreContract } from "./control-store-contract";

runControlStoreContract({
  name: "in-memory store (unit fake)",
  newStore: async (clock) => ({ store: new MemoryControlStore(clock), close: async () => {} }),
});

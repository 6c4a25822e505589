import { afterAll, beforeAll } from "vitest";

/** Something a test file starts and must stop: a fake or a transport (`close`), or the test gateway (`stop`). */
export type Started = { close(): Promise<void> } | { stop(): Promise<void> };

/**
 * Registers the hooks around what a file (or `describe` block) runs against: `start` runs before all its tests
 * and returns what it started; after them everything is stopped, the last started first.
 */
export function useStarted(start: () => Promise<readonly Started[]>): void {
  let started: readonly Started[] = [];
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    for (const s of [...started].reverse()) await ("stop" in s ? s.stop() : s.close());
  });
}

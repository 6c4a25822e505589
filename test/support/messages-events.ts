import { expect } from "vitest";

type Json = Record<string, unknown>;

const STOP_REASONS = ["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"];
/** The delta types each content block type takes (Anthropic's "Streaming Messages" documentation). */
const DELTAS: Readonly<Record<string, readonly string[]>> = {
  text: ["text_delta", "citations_delta"],
  thinking: ["thinking_delta", "signature_delta"],
  redacted_thinking: [],
  tool_use: ["input_json_delta"],
};

/**
 * Checks a Messages stream event by event against Anthropic's documented shapes and order: `message_start` first
 * (an empty assistant message with usage), then content blocks one at a time with consecutive indexes (each
 * `content_block_start` with an empty block of its type, deltas of that type for the open block only,
 * `content_block_stop`), then one `message_delta` (stop reason and usage), then `message_stop` last. `ping` may
 * come anywhere (the SDK drops it).
 */
export function checkMessagesEventSequence(events: readonly unknown[]): void {
  const list = (events as Json[]).filter((e) => e.type !== "ping");
  const [first] = list;
  expect(first).toMatchObject({
    type: "message_start",
    message: {
      id: expect.any(String),
      type: "message",
      role: "assistant",
      model: expect.any(String),
      content: [],
      stop_reason: null,
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) },
    },
  });
  let open: { index: number; type: string } | undefined;
  let nextIndex = 0;
  let i = 1;
  for (; i < list.length && String(list[i]?.type).startsWith("content_block_"); i++) {
    const e = list[i] as Json;
    if (e.type === "content_block_start") {
      expect(open, `block ${String(e.index)} starts while ${open?.index} is open`).toBeUndefined();
      expect(e.index).toBe(nextIndex++);
      const block = e.content_block as Json;
      if (block.type === "text") expect(block).toEqual({ type: "text", text: "" });
      else if (block.type === "thinking") expect(block).toEqual({ type: "thinking", thinking: "", signature: "" });
      else if (block.type === "tool_use") {
        expect(block).toEqual({ type: "tool_use", id: expect.any(String), name: expect.any(String), input: {} });
      } else expect(Object.keys(DELTAS)).toContain(block.type);
      open = { index: e.index as number, type: String(block.type) };
    } else if (e.type === "content_block_delta") {
      expect(e.index).toBe(open?.index);
      const delta = e.delta as Json;
      expect(DELTAS[open?.type ?? ""]).toContain(delta.type);
      if (delta.type === "text_delta") expect(delta.text).toEqual(expect.any(String));
      if (delta.type === "thinking_delta") expect(delta.thinking).toEqual(expect.any(String));
      if (delta.type === "input_json_delta") expect(delta.partial_json).toEqual(expect.any(String));
    } else {
      expect(e).toEqual({ type: "content_block_stop", index: open?.index });
      open = undefined;
    }
  }
  expect(open, "every block is stopped").toBeUndefined();
  expect(list[i]).toMatchObject({
    type: "message_delta",
    delta: { stop_reason: expect.toBeOneOf(STOP_REASONS), stop_sequence: null },
    usage: { output_tokens: expect.any(Number) },
  });
  expect(list[i + 1]).toEqual({ type: "message_stop" });
  expect(list).toHaveLength(i + 2);
}

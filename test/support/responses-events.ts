import { expect } from "vitest";

type Json = Record<string, unknown>;

/**
 * Checks a Responses API stream event by event against OpenAI's documented order and shapes: `response.created`,
 * `response.in_progress`, then per output item `response.output_item.added`, its content part (messages) and
 * deltas, their `.done` events and `response.output_item.done`, then `response.completed` (or `.incomplete`) whose
 * `output` is the items as they were done. Sequence numbers count from 0 without gaps. Returns the final response.
 */
export function expectDocumentedEvents(events: readonly Json[]): Json {
  expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  expect(events[0]?.type).toBe("response.created");
  expect(events[1]?.type).toBe("response.in_progress");
  const created = events[0]?.response as Json;
  expect(created).toMatchObject({ object: "response", status: "in_progress", output: [] });
  expect(created.id).toMatch(/^resp_/);
  expect((events[1]?.response as Json | undefined)?.id).toBe(created.id);
  const doneItems: Json[] = [];
  let i = 2;
  while (i < events.length - 1) {
    const index = doneItems.length;
    const added = events[i++] as Json;
    expect(added).toMatchObject({ type: "response.output_item.added", output_index: index });
    const item = added.item as Json;
    const where = { item_id: item.id, output_index: index };
    if (item.type === "function_call") {
      expect(item).toMatchObject({ status: "in_progress", arguments: "" });
      expect(typeof item.call_id).toBe("string");
      let args = "";
      while (events[i]?.type === "response.function_call_arguments.delta") {
        expect(events[i]).toMatchObject(where);
        args += String(events[i++]?.delta);
      }
      expect(events[i++]).toMatchObject({ type: "response.function_call_arguments.done", ...where, arguments: args });
      const done = events[i++] as Json;
      expect(done).toMatchObject({ type: "response.output_item.done", output_index: index });
      expect(done.item).toMatchObject({ id: item.id, type: "function_call", status: "completed", arguments: args });
      doneItems.push(done.item as Json);
      continue;
    }
    expect(item).toMatchObject({ type: "message", status: "in_progress", role: "assistant", content: [] });
    const at = { ...where, content_index: 0 };
    expect(events[i++]).toMatchObject({
      type: "response.content_part.added",
      ...at,
      part: { type: "output_text", text: "", annotations: [] },
    });
    let text = "";
    while (events[i]?.type === "response.output_text.delta") {
      expect(events[i]).toMatchObject(at);
      expect(Array.isArray(events[i]?.logprobs)).toBe(true);
      text += String(events[i++]?.delta);
    }
    expect(events[i++]).toMatchObject({ type: "response.output_text.done", ...at, text });
    expect(events[i++]).toMatchObject({
      type: "response.content_part.done",
      ...at,
      part: { type: "output_text", text },
    });
    const done = events[i++] as Json;
    expect(done).toMatchObject({ type: "response.output_item.done", output_index: index });
    expect(done.item).toMatchObject({
      id: item.id,
      type: "message",
      status: "completed",
      content: [{ type: "output_text", text }],
    });
    doneItems.push(done.item as Json);
  }
  const last = events.at(-1) as Json;
  expect(["response.completed", "response.incomplete"]).toContain(last.type);
  const response = last.response as Json;
  expect(response.id).toBe(created.id);
  expect(response.output).toEqual(doneItems);
  expect(response.usage).toMatchObject({
    input_tokens: expect.any(Number),
    input_tokens_details: { cached_tokens: expect.any(Number) },
    output_tokens: expect.any(Number),
    output_tokens_details: { reasoning_tokens: expect.any(Number) },
    total_tokens: expect.any(Number),
  });
  return response;
}

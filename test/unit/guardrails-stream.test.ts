import { describe, expect, it } from "vitest";
import { compileCheck } from "../../shared/guardrails/check-registry";
import { createStreamGuardFilter } from "../../shared/guardrails/stream-guard";
import type { StreamRedactor } from "../../shared/guardrails/types";

/** OpenAI chat chunk events, one per piece of text, then a finish chunk. */
function chatEvents(pieces: readonly string[]): string[] {
  const base = { id: "c1", object: "chat.completion.chunk", created: 0, model: "m" };
  return [
    ...pieces.map(
      (content) =>
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`,
    ),
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`,
  ];
}

function textOf(sse: string): string {
  let text = "";
  for (const block of sse.split("\n\n")) {
    const data = block.startsWith("data: ") ? block.slice(6) : "";
    if (!data || data === "[DONE]") continue;
    const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string }; text?: string }[] };
    text += chunk.choices?.[0]?.delta?.content ?? chunk.choices?.[0]?.text ?? "";
  }
  return text;
}

function piiRedactor(): StreamRedactor {
  return compileCheck("portkey.pii", { redact: true }, "c").streamRedactor as StreamRedactor;
}

describe("after-request guardrails on a stream (stream-guard.ts)", () => {
  it("never sends part of a value split over events, and sends the rest rewritten", async () => {
    // Prepare: an email cut into four events, with enough text after it to pass the window
    const pieces = ["Write to jane", ".doe@exa", "mple", ".com", ` ${"and then some more words ".repeat(8)}`];
    const judged: string[] = [];
    const filter = createStreamGuardFilter(false, [piiRedactor()], new Map(), async (text) => {
      judged.push(text);
      return undefined;
    });

    // Act
    const sent = chatEvents(pieces).map((e) => filter.output(e));
    const end = await filter.end("data: [DONE]\n\n");

    // Assess
    const all = sent.join("") + ("tail" in end ? end.tail : "");
    expect(all).not.toContain("jane");
    expect(all).not.toContain("@exa");
    expect(textOf(all)).toBe(`Write to [EMAIL_ADDRESS_1] ${"and then some more words ".repeat(8)}`);
    expect(all.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(judged).toEqual([pieces.join("")]); // the hooks judge the assembled original text
  });

  it("passes events through unchanged without redactors, holds [DONE], and ends with the deny instead", async () => {
    const deny = { error: { message: "denied", type: "gateway_hooks_failed", param: null, code: "hooks_failed" } };
    const filter = createStreamGuardFilter(false, [], new Map(), async () => deny);
    const events = chatEvents(["a", "b"]);

    const sent = events.map((e) => filter.output(e));
    const end = await filter.end("data: [DONE]\n\n");

    expect(sent).toEqual(events);
    expect(end).toEqual({ error: deny });
  });

  it("reads completions' text and flushes held text when the upstream sends no finish", async () => {
    const filter = createStreamGuardFilter(true, [piiRedactor()], new Map(), async () => undefined);
    const chunk = (text: string) =>
      `data: ${JSON.stringify({ id: "t", object: "text_completion", choices: [{ index: 0, text, finish_reason: null }] })}\n\n`;

    const sent = filter.output(chunk("ssn 123-45-")) + filter.output(chunk("6789 ok"));
    const end = await filter.end("");

    expect(textOf(sent + ("tail" in end ? end.tail : ""))).toBe("ssn [SSN_1] ok");
  });
});

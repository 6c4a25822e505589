import { anthropicErrorBody, startAnthropicFake } from "../fakes/anthropic-fake";
import type { FakeServer, Fault } from "../fakes/fake-server";
import { googleErrorBody, startGoogleFake } from "../fakes/google-fake";

/**
 * The conformance matrix: every translated provider, how to start its fake, and what it supports. The suite in
 * conformance-chat.test.ts runs every scenario for every provider; a capability a provider lacks is skipped with
 * the reason given here (the table drives it, and docs/providers.md shows the same table).
 */
export type Capability =
  | "system"
  | "multiTurn"
  | "tools"
  | "imageData"
  | "imageUrl"
  | "stream"
  | "streamTools"
  | "streamUsage"
  | "maxTokens";

export interface RunningFake {
  readonly fake: FakeServer;
  /** Value for x-portkey-custom-host. */
  readonly customHost: string;
  /** Extra request headers (provider options). */
  readonly headers: Readonly<Record<string, string>>;
  /** The provider credential the fake accepts (sent as Authorization: Bearer). */
  readonly apiKey: string;
  /** The fault that makes the fake answer `status` with its native error body. */
  errorFault(status: number): Fault;
}

export interface ProviderCase {
  readonly id: string;
  readonly model: string;
  start(): Promise<RunningFake>;
  /** `true`, or the reason the provider cannot do it. */
  readonly supports: Readonly<Record<Capability, true | string>>;
  /** The status the provider documents for a wrong credential. */
  readonly badKeyStatus: number;
}

const ALL: Readonly<Record<Capability, true>> = {
  system: true,
  multiTurn: true,
  tools: true,
  imageData: true,
  imageUrl: true,
  stream: true,
  streamTools: true,
  streamUsage: true,
  maxTokens: true,
};

function jsonFault(status: number, body: string, headers?: Record<string, string>): Fault {
  return { kind: "status", status, body, headers };
}

export const PROVIDER_CASES: readonly ProviderCase[] = [
  {
    id: "anthropic",
    model: "claude-3-5-haiku-20241022",
    supports: ALL,
    badKeyStatus: 401,
    async start() {
      const apiKey = "sk-ant-fake-key";
      const fake = await startAnthropicFake({ apiKey, chunkDelayMs: 2 });
      return {
        fake,
        customHost: fake.baseUrl,
        headers: {},
        apiKey,
        errorFault: (status) => jsonFault(status, anthropicErrorBody(status)),
      };
    },
  },
  {
    id: "google",
    model: "gemini-2.0-flash",
    supports: ALL,
    badKeyStatus: 400,
    async start() {
      const apiKey = "AIza-fake-key";
      const fake = await startGoogleFake({ apiKey, chunkDelayMs: 2 });
      return {
        fake,
        customHost: fake.baseUrl,
        headers: {},
        apiKey,
        errorFault: (status) => jsonFault(status, googleErrorBody(status)),
      };
    },
  },
];

/** " (skipped: reason)" for a capability the provider lacks, "" otherwise: test names carry the reason. */
export function skipNote(c: ProviderCase, capability: Capability): string {
  const s = c.supports[capability];
  return s === true ? "" : ` (skipped: ${s})`;
}

export function can(c: ProviderCase, capability: Capability): boolean {
  return c.supports[capability] === true;
}

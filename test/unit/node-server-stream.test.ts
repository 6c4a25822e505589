import { request } from "node:http";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningServer, startNodeServer } from "../../local/node-server";
import type { CoreRequest, CoreResponse } from "../../shared/http/types";

/** A stream body that records whether it was destroyed (what aborts the upstream call) and never ends by itself. */
function watchedBody(): { body: Readable; destroyed: Promise<void> } {
  let onDestroy!: () => void;
  const destroyed = new Promise<void>((resolve) => {
    onDestroy = resolve;
  });
  const body = new Readable({
    read() {},
    destroy(err, cb) {
      onDestroy();
      cb(err);
    },
  });
  body.push("data: first\n\n");
  return { body, destroyed };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)),
  ]);
}

/** Sends a POST and destroys the connection once `leave` (handed a promise of the first body bytes) resolves. */
function clientThatLeaves(url: string, leave: (gotBytes: Promise<void>) => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/chat/completions`, { method: "POST" });
    let gotFirst!: () => void;
    const gotBytes = new Promise<void>((r) => {
      gotFirst = r;
    });
    req.on("response", (res) => res.on("data", () => gotFirst()));
    req.on("error", () => undefined);
    req.end("{}");
    void leave(gotBytes).then(() => {
      req.destroy();
      resolve();
    });
  });
}

describe("local server: a stream body when the client leaves", () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("destroys the body (aborting the upstream) when the client leaves mid-stream", async () => {
    // Prepare
    const { body, destroyed } = watchedBody();
    server = await startNodeServer({
      host: "127.0.0.1",
      port: 0,
      route: () => async () => ({ status: 200, headers: { "content-type": "text/event-stream" }, body }),
    });

    // Act
    await clientThatLeaves(server.url, (gotBytes) => gotBytes);

    // Assess
    await expect(within(destroyed, 2_000, "the body was destroyed")).resolves.toBeUndefined();
  });

  it("destroys the body when the client left before the answer was ready", async () => {
    // Prepare: the core answers only after the client has gone
    const { body, destroyed } = watchedBody();
    let clientGone!: () => void;
    const gone = new Promise<void>((r) => {
      clientGone = r;
    });
    server = await startNodeServer({
      host: "127.0.0.1",
      port: 0,
      route:
        () =>
        async (req: CoreRequest): Promise<CoreResponse> => {
          await new Promise<void>((r) => req.signal.addEventListener("abort", () => r(), { once: true }));
          clientGone();
          return { status: 200, headers: { "content-type": "text/event-stream" }, body };
        },
    });

    // Act
    await clientThatLeaves(server.url, () => new Promise((r) => setTimeout(r, 50)));
    await within(gone, 2_000, "the server saw the client leave");

    // Assess
    await expect(within(destroyed, 2_000, "the body was destroyed")).resolves.toBeUndefined();
  });
});

import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UpstreamTimeoutError, UpstreamUnavailableError } from "../../shared/core/errors";
import { AbortSource } from "../../shared/http/abort-source";
import type { UpstreamRequest } from "../../shared/http/types";
import { AttemptTimeout, createUndiciTransport, type UpstreamTransport } from "../../shared/http/upstream";
import { UPSTREAM_BODY_HIGH_WATER_MARK } from "../../shared/http/upstream-body";

/**
 * The transport's own response handler (ADR 0045) against a real loopback server: what the gateway relies on from
 * an upstream body (chunks as they come, backpressure reaching the socket, aborts reaching the upstream, failures
 * as errors, never a hang).
 */
type Route = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The most a paused reader's connection can hold in flight: the kernel's largest TCP receive buffer (auto-tuned
 * up to `tcp_rmem`'s maximum, 32 MiB on some machines) plus the largest send buffer, plus the body's own
 * high-water mark. A response larger than twice this cannot all be written while the reader is paused.
 */
function inFlightBound(): number {
  const max = (file: string, fallback: number): number => {
    try {
      return Number(readFileSync(file, "utf8").trim().split(/\s+/).at(-1)) || fallback;
    } catch {
      return fallback; // not Linux: generous defaults
    }
  };
  const rmem = max("/proc/sys/net/ipv4/tcp_rmem", 32 * 1024 * 1024);
  const wmem = max("/proc/sys/net/ipv4/tcp_wmem", 32 * 1024 * 1024);
  return rmem + wmem + UPSTREAM_BODY_HIGH_WATER_MARK;
}
let route: Route = (_req, res) => res.end("ok");
let server: Server;
let origin: string;
let transport: UpstreamTransport;

beforeAll(async () => {
  server = createServer((req, res) => route(req, res));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(async () => {
  await transport?.close();
});

function post(path = "/"): UpstreamRequest {
  return { url: `${origin}${path}`, method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
}

function collect(body: NodeJS.EventEmitter): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    body.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    body.once("end", () => resolve(text));
    body.once("error", reject);
  });
}

/** Writes `total` chunks as fast as the socket takes them (waiting for `drain`), then ends; counts into `progress`. */
function writeChunks(
  res: ServerResponse,
  chunk: Buffer,
  total: number,
  progress: { written: number; backedUp: boolean },
): void {
  const writeMore = (): void => {
    while (progress.written < total) {
      progress.written++;
      if (!res.write(chunk)) {
        progress.backedUp = true;
        res.once("drain", writeMore);
        return;
      }
    }
    res.end();
  };
  writeMore();
}

describe("upstream transport (undici dispatch handler)", () => {
  it("answers with status, lower-case headers and the whole body, read by events or by async iteration", async () => {
    route = (_req, res) => {
      res.writeHead(201, { "Content-Type": "application/json", "X-Request-Id": "r1" });
      res.write('{"a":');
      setTimeout(() => res.end("1}"), 10);
    };
    transport = createUndiciTransport();
    const res = await transport.send(post(), new AbortSource());
    expect(res.status).toBe(201);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["x-request-id"]).toBe("r1");
    expect(await collect(res.body as unknown as NodeJS.EventEmitter)).toBe('{"a":1}');

    const again = await transport.send(post(), new AbortSource());
    const parts: string[] = [];
    for await (const chunk of again.body) parts.push(chunk.toString());
    expect(parts.join("")).toBe('{"a":1}');
  });

  it("holds the upstream while the reader is paused: the server's writes back up, then all bytes arrive", async () => {
    const chunk = Buffer.alloc(256 * 1024, "x");
    const progress = { written: 0, backedUp: false };
    // twice what the socket buffers and the body's high-water mark can hold
    const total = Math.ceil((2 * inFlightBound()) / chunk.length);
    route = (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      writeChunks(res, chunk, total, progress);
    };
    transport = createUndiciTransport();
    const res = await transport.send(post(), new AbortSource());
    res.body.pause();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(progress.backedUp).toBe(true);
    expect(progress.written).toBeLessThan(total);
    let received = 0;
    const ended = new Promise<void>((resolve, reject) => {
      res.body.on("data", (c: Buffer) => {
        received += c.length;
      });
      res.body.once("end", resolve);
      res.body.once("error", reject);
    });
    res.body.resume();
    await ended;
    expect(received).toBe(total * chunk.length);
  });

  it("keeps no more than about its high-water mark buffered for a reader that has not started", async () => {
    const progress = { written: 0, backedUp: false };
    const chunk = Buffer.alloc(256 * 1024, "y");
    const total = Math.ceil((2 * inFlightBound()) / chunk.length);
    route = (_req, res) => {
      res.writeHead(200);
      writeChunks(res, chunk, total, progress);
    };
    transport = createUndiciTransport();
    const res = await transport.send(post(), new AbortSource());
    await new Promise((resolve) => setTimeout(resolve, 200));
    // the server stopped early: what it wrote is bounded by socket buffers plus the body's own high-water mark
    expect(progress.backedUp).toBe(true);
    expect(progress.written * chunk.length).toBeLessThanOrEqual(inFlightBound() + chunk.length);
    expect(progress.written).toBeLessThan(total);
    res.body.destroy();
  });

  it("destroying the body aborts the upstream request (the server sees its connection close)", async () => {
    const closed = new Promise<void>((resolve) => {
      route = (req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: 1\n\n");
        req.socket.once("close", () => resolve());
      };
    });
    transport = createUndiciTransport();
    const res = await transport.send(post(), new AbortSource());
    const first = await new Promise<string>((resolve) => res.body.on("data", (c: Buffer) => resolve(c.toString())));
    expect(first).toBe("data: 1\n\n");
    const closeEvent = new Promise<void>((resolve) => res.body.once("close", resolve));
    res.body.destroy();
    await closed;
    await closeEvent;
  });

  it("an abort before the answer rejects with the attempt's timeout; after it, the body errors with the reason", async () => {
    route = () => {
      /* never answers */
    };
    transport = createUndiciTransport();
    const early = new AbortSource();
    const pending = transport.send(post(), early);
    setTimeout(() => early.abort(new AttemptTimeout(50)), 50);
    await expect(pending).rejects.toBeInstanceOf(UpstreamTimeoutError);

    route = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
    };
    const late = new AbortSource();
    const res = await transport.send(post(), late);
    const failed = collect(res.body as unknown as NodeJS.EventEmitter);
    const reason = new Error("client left");
    late.abort(reason);
    await expect(failed).rejects.toBe(reason);
  });

  it("an already aborted signal sends nothing", async () => {
    let reached = false;
    route = (_req, res) => {
      reached = true;
      res.end();
    };
    transport = createUndiciTransport();
    const gone = new AbortSource();
    const reason = new Error("gone before sending");
    gone.abort(reason);
    await expect(transport.send(post(), gone)).rejects.toBe(reason);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reached).toBe(false);
  });

  it("a connection cut mid-body is an error event, and an unreachable upstream a 502-class error", async () => {
    route = (req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: 1\n\n");
      setTimeout(() => req.socket.destroy(), 20);
    };
    transport = createUndiciTransport();
    const res = await transport.send(post(), new AbortSource());
    await expect(collect(res.body as unknown as NodeJS.EventEmitter)).rejects.toBeInstanceOf(Error);

    const closedPort = createServer();
    closedPort.listen(0, "127.0.0.1");
    await once(closedPort, "listening");
    const { port } = closedPort.address() as AddressInfo;
    await new Promise((resolve) => closedPort.close(resolve));
    await expect(
      transport.send({ ...post(), url: `http://127.0.0.1:${port}/` }, new AbortSource()),
    ).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it("breaking out of async iteration early aborts the rest of the body", async () => {
    const closed = new Promise<void>((resolve) => {
      route = (req, res) => {
        res.writeHead(200);
        res.write("part-1;");
        req.socket.once("close", () => resolve());
      };
    });
    transport = createUndiciTransport();
    const res = await transport.send(post(), new AbortSource());
    for await (const chunk of res.body) {
      expect(chunk.toString()).toBe("part-1;");
      break;
    }
    await closed;
  });
});

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { Agent, request } from "undici";

/**
 * Our floor: the least a Node proxy can do. Reads the body, forwards it with the same pooled undici client the
 * gateway uses, pipes the answer back. No parsing, no routing, no headers work. Upstream from UPSTREAM_URL.
 */
const upstream = process.env.UPSTREAM_URL ?? "";
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    request(`${upstream}${req.url}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: req.headers.authorization ?? "" },
      body: Buffer.concat(parts),
      dispatcher: agent,
    })
      .then(async (up) => {
        res.writeHead(up.statusCode, { "content-type": String(up.headers["content-type"] ?? "application/json") });
        await pipeline(up.body, res);
      })
      .catch(() => res.destroy());
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on("message", (msg) => {
  if (msg === "gc") (globalThis as { gc?: () => void }).gc?.(); // with --expose-gc
  if (msg === "memory" || msg === "gc") process.send?.({ memory: process.memoryUsage(), cpu: process.cpuUsage() });
});
process.on("SIGTERM", () => process.exit(0));

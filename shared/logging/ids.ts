import { randomBytes } from "node:crypto";

/**
 * UUID version 7 (RFC 9562): 48-bit Unix ms timestamp + random bits. Request ids are v7 so they sort by time and
 * a log-detail lookup can derive the day partition from the id alone (`timeOfUuidV7`).
 */
let pool = randomBytes(0);
let poolOffset = 0;

function random10(): Buffer {
  if (poolOffset + 10 > pool.length) {
    pool = randomBytes(10 * 256);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + 10);
  poolOffset += 10;
  return out;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function uuidV7(nowMs: number = Date.now()): string {
  const rnd = random10();
  const ts = nowMs.toString(16).padStart(12, "0").slice(-12);
  const b = (i: number): string => HEX[rnd[i] ?? 0] ?? "00";
  const ver = HEX[0x70 | ((rnd[0] ?? 0) & 0x0f)] ?? "70";
  const variant = HEX[0x80 | ((rnd[2] ?? 0) & 0x3f)] ?? "80";
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-${ver}${b(1)}-${variant}${b(3)}-${b(4)}${b(5)}${b(6)}${b(7)}${b(8)}${b(9)}`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The creation time (epoch ms) encoded in a v7 UUID, or null for anything else. */
export function timeOfUuidV7(id: string): number | null {
  if (!UUID_V7.test(id)) return null;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

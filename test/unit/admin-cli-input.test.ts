import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../cli/errors";
import { readDocument, readSecret } from "../../cli/input";
import { resolveSettings, writeSavedSettings } from "../../cli/settings";

const SECRET = "sk-proj-never-echo-this-0123456789";

describe("admin CLI inputs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aigw-input-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ["body.json", `{"name": "vk", "key": ${SECRET}}`],
    ["body.yaml", `name: vk\nkey: ${SECRET}\n  bad: [indent`],
  ])("refuses a malformed %s without echoing its text", async (name, text) => {
    const path = join(dir, name);
    await writeFile(path, text);
    const err = await readDocument(path, Readable.from([])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/is not valid (JSON|YAML)/);
    // V8's JSON message quotes about ten characters around the fault: not even a prefix of the secret may show.
    expect((err as Error).message).not.toContain(SECRET.slice(0, 10));
  });

  it("reads a secret as one line from stdin, and refuses none, two lines, or both sources", async () => {
    expect(await readSecret({ secretStdin: true }, Readable.from([`${SECRET}\n`]), true)).toBe(SECRET);
    await expect(readSecret({}, Readable.from([]), true)).rejects.toThrow("never from argv");
    expect(await readSecret({}, Readable.from([]), false)).toBeUndefined();
    await expect(readSecret({ secretStdin: true }, Readable.from(["a\nb\n"]), true)).rejects.toThrow("one non-empty");
    await expect(readSecret({ secretStdin: true, secretFile: "x" }, Readable.from([]), true)).rejects.toThrow(
      "not both",
    );
  });

  it("takes the URL and key from flags, then env, then the config file it writes with mode 0600", async () => {
    const path = join(dir, "cfg", "config.json");
    await writeSavedSettings(path, { url: "http://file.test:1/v1", key: "file-key" });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const env = { AIGW_CONFIG: path };
    expect(await resolveSettings({}, env)).toMatchObject({ url: "http://file.test:1", key: "file-key" });
    expect(await resolveSettings({}, { ...env, AIGW_URL: "http://env.test:2", AIGW_API_KEY: "env-key" })).toMatchObject(
      { url: "http://env.test:2", key: "env-key" },
    );
    expect(await resolveSettings({}, { ...env, GATEWAY_ADMIN_KEY: "local-root" })).toMatchObject({ key: "local-root" });
    expect(
      await resolveSettings({ url: "https://flag.test/", key: "flag-key" }, { ...env, AIGW_URL: "http://env.test:2" }),
    ).toMatchObject({ url: "https://flag.test", key: "flag-key" });
    await expect(resolveSettings({ url: "ftp://x" }, env)).rejects.toThrow("must be http(s)");
    await expect(resolveSettings({ url: "http://u:p@x.test" }, env)).rejects.toThrow("credentials");
  });
});

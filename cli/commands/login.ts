import { Command } from "commander";
import { createClient } from "../client";
import { ApiError, UsageError } from "../errors";
import { readStdin } from "../input";
import { action, type Io } from "../runner";
import { normaliseUrl, settingsPath, writeSavedSettings } from "../settings";

/** `aigw login --url <url> --key-stdin`: checks the key against the gateway, then saves both (mode 0600). */
export function loginCommand(io: Io): Command {
  return new Command("login")
    .description("Check the key, then save --url and the key (read from stdin, never argv) in the config file")
    .option("--key-stdin", "read the key from stdin (default when stdin is not a terminal)")
    .action(
      action(io, async (run, _args, o) => {
        if (o.url === undefined)
          throw new UsageError("--url is required: the gateway's base URL, e.g. http://127.0.0.1:8787");
        const url = normaliseUrl(String(o.url), "--url");
        const key = (await readStdin(io.stdin, "key")).trim();
        if (key === "" || /\s/.test(key))
          throw new UsageError("Pipe the key (one line) on stdin: aigw login --url ... --key-stdin < key.txt");
        const client = createClient({ url, key, timeoutMs: 30_000 });
        try {
          await client.request("GET", "/v1/admin/workspaces", { query: { limit: 1 } });
        } catch (err) {
          // A 403 is a valid key without the admin scope (an analytics or logs key): still worth saving.
          if (!(err instanceof ApiError) || err.status !== 403) throw err;
        }
        const path = settingsPath(io.env);
        await writeSavedSettings(path, { url, key });
        run.printDone({ url, config_file: path }, `Saved ${url} and the key to ${path} (mode 0600).`);
      }),
    );
}

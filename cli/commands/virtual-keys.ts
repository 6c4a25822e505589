import type { Command } from "commander";
import { createSchema, updateSchema } from "../../shared/admin/virtual-key-routes";
import { seg } from "../client";
import { readDocument, readSecret } from "../input";
import { col } from "../output";
import { resourceCommand, workspaceOption } from "../resource";
import { action, bodyFrom, checked, type Io } from "../runner";

const PATH = "/v1/virtual-keys";
const SECRET_STDIN = [
  "--secret-stdin",
  "read the provider key from stdin (never pass it on the command line)",
] as const;
const SECRET_FILE = ["--secret-file <path>", "read the provider key from a file"] as const;

/** `aigw virtual-keys ...`: provider credentials; the secret comes from stdin or a file and is never printed. */
export function virtualKeysCommand(io: Io): Command {
  const group = resourceCommand(io, {
    name: "virtual-keys",
    summary: "Virtual keys: provider credentials stored encrypted (the secret is never shown again)",
    path: PATH,
    idName: "slug",
    noun: "virtual key",
    scoped: true,
    columns: [
      col("slug"),
      col("name"),
      col("provider"),
      col("status"),
      col("masked_api_key", "KEY"),
      col("workspace_id", "WORKSPACE"),
    ],
  });
  group
    .command("create")
    .description("Store a provider key as a virtual key")
    .option("--name <name>")
    .option("--provider <id>", "openai, anthropic, groq, bedrock, ... (docs/providers.md)")
    .option(...SECRET_STDIN)
    .option(...SECRET_FILE)
    .option("--slug <slug>", "its slug (default: generated from the name)")
    .option("--custom-host <url>", "the provider's base URL (self-hosted or proxy)")
    .option("--note <text>")
    .option(...workspaceOption)
    .option("--file <path>", "JSON or YAML body with provider fields (aws_region, resource_name, usage_limits, ...)")
    .action(
      action(io, async (run, _args, o) => {
        const doc = o.file ? await readDocument(String(o.file), io.stdin) : undefined;
        const key = await readSecret(o, io.stdin, false);
        const fields = {
          name: o.name,
          provider: o.provider,
          key,
          slug: o.slug,
          custom_host: o.customHost,
          note: o.note,
          workspace_id: o.workspace,
        };
        const body = checked(createSchema, bodyFrom(doc, fields, "virtual key"), "virtual key");
        const answer = await (await run.client()).request("POST", PATH, { body });
        run.printDone(answer, `Created virtual key ${String(answer.slug)} (${String(answer.provider)}).`);
      }),
    );
  const update = (name: string, summary: string, done: string, fixed: Record<string, unknown>, secret: boolean) => {
    const cmd = group
      .command(name)
      .description(summary)
      .argument("<slug>")
      .option(...workspaceOption);
    if (secret) cmd.option(...SECRET_STDIN).option(...SECRET_FILE);
    if (name === "update") {
      cmd.option("--name <name>").option("--note <text>").option("--file <path>", "JSON or YAML body to apply");
    }
    cmd.action(
      action(io, async (run, [slug], o) => {
        const doc = o.file ? await readDocument(String(o.file), io.stdin) : undefined;
        const key = secret ? await readSecret(o, io.stdin, name === "rotate") : undefined;
        const fields = { name: o.name, note: o.note, key, ...fixed };
        const body = checked(updateSchema, bodyFrom(doc, fields, "virtual key"), "virtual key");
        const query = { workspace_id: o.workspace as string | undefined };
        const answer = await (await run.client()).request("PUT", `${PATH}/${seg(slug ?? "")}`, { query, body });
        run.printDone(answer, `${done} virtual key ${slug} (status ${String(answer.status)}).`);
      }),
    );
  };
  update("update", "Change the name, note or provider fields (a new secret rotates it)", "Updated", {}, true);
  update("rotate", "Replace the secret (from --secret-stdin or --secret-file)", "Rotated", {}, true);
  update("disable", "Disable (requests that use it fail until enabled)", "Disabled", { status: "disabled" }, false);
  update("enable", "Enable again", "Enabled", { status: "active" }, false);
  return group;
}

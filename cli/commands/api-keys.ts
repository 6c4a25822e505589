import type { Command } from "commander";
import { createSchema, updateSchema } from "../../shared/admin/api-key-routes";
import { seg } from "../client";
import { readDocument } from "../input";
import { col } from "../output";
import { resourceCommand, workspaceOption } from "../resource";
import { action, bodyFrom, checked, type Io } from "../runner";

const PATH = "/v1/api-keys";

const scopeList = (raw: unknown): string[] | undefined =>
  raw === undefined
    ? undefined
    : String(raw)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

/** `aigw api-keys list|get|create|update|revoke|delete` (gateway keys; the secret is shown once, by `create`). */
export function apiKeysCommand(io: Io): Command {
  const group = resourceCommand(io, {
    name: "api-keys",
    summary: "Gateway API keys",
    path: PATH,
    idName: "id",
    noun: "API key",
    scoped: true,
    columns: [col("id"), col("name"), col("workspace_id", "WORKSPACE"), col("scopes"), col("status"), col("key")],
  });
  group
    .command("create")
    .description("Create a gateway key; its secret is printed once, here")
    .option("--name <name>")
    .option("--scopes <list>", "comma-separated: completions, admin, analytics, logs")
    .option(...workspaceOption)
    .option("--description <text>")
    .option("--expires-at <time>", "ISO-8601 time")
    .option("--file <path>", "JSON or YAML body with more fields (defaults, rate_limits, usage_limits)")
    .action(
      action(io, async (run, _args, o) => {
        const doc = o.file ? await readDocument(String(o.file), io.stdin) : undefined;
        const fields = {
          name: o.name,
          scopes: scopeList(o.scopes),
          workspace_id: o.workspace,
          description: o.description,
          expires_at: o.expiresAt,
        };
        const body = checked(createSchema, bodyFrom(doc, fields, "API key"), "API key");
        const answer = await (await run.client()).request("POST", PATH, { body });
        run.printDone(
          answer,
          `Created API key ${String(answer.id)}. Its secret (shown only now):\n${String(answer.key)}`,
        );
      }),
    );
  group
    .command("update")
    .description("Update a gateway key")
    .argument("<id>")
    .option("--name <name>")
    .option("--scopes <list>", "comma-separated: completions, admin, analytics, logs")
    .option("--description <text>")
    .option("--file <path>", "JSON or YAML body with the fields to change")
    .action(
      action(io, async (run, [id], o) => {
        const doc = o.file ? await readDocument(String(o.file), io.stdin) : undefined;
        const fields = { name: o.name, scopes: scopeList(o.scopes), description: o.description };
        const body = checked(updateSchema, bodyFrom(doc, fields, "API key"), "API key");
        const answer = await (await run.client()).request("PUT", `${PATH}/${seg(id ?? "")}`, { body });
        run.printDone(answer, `Updated API key ${id}.`);
      }),
    );
  group
    .command("revoke")
    .description("Revoke a gateway key (it stops authenticating; `update --file` with status active restores it)")
    .argument("<id>")
    .action(
      action(io, async (run, [id]) => {
        const answer = await (await run.client()).request("PUT", `${PATH}/${seg(id ?? "")}`, {
          body: { status: "revoked" },
        });
        run.printDone(answer, `Revoked API key ${id}.`);
      }),
    );
  return group;
}

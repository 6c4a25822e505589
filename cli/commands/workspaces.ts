import type { Command } from "commander";
import { createSchema, updateSchema } from "../../shared/admin/workspace-routes";
import { seg } from "../client";
import { readDocument } from "../input";
import { col } from "../output";
import { resourceCommand } from "../resource";
import { action, bodyFrom, checked, type Io } from "../runner";

const PATH = "/v1/admin/workspaces";

/** `aigw workspaces list|get|create|update|delete`. */
export function workspacesCommand(io: Io): Command {
  const group = resourceCommand(io, {
    name: "workspaces",
    summary: "Workspaces (create and delete need the root key)",
    path: PATH,
    idName: "id",
    noun: "workspace",
    scoped: false,
    columns: [col("id"), col("name"), col("description"), col("created_at", "CREATED")],
  });
  group
    .command("create")
    .description("Create a workspace (root key only)")
    .option("--name <name>", "its name")
    .option("--description <text>")
    .option("--file <path>", "JSON or YAML body with more fields (usage_limits, rate_limits, defaults, log_bodies)")
    .action(
      action(io, async (run, _args, o) => {
        const doc = o.file ? await readDocument(String(o.file), io.stdin) : undefined;
        const body = checked(
          createSchema,
          bodyFrom(doc, { name: o.name, description: o.description }, "workspace"),
          "workspace",
        );
        const answer = await (await run.client()).request("POST", PATH, { body });
        run.printDone(answer, `Created workspace ${String(answer.id)} (${String(answer.name)}).`);
      }),
    );
  group
    .command("update")
    .description("Update a workspace")
    .argument("<id>")
    .option("--name <name>")
    .option("--description <text>")
    .option("--file <path>", "JSON or YAML body with the fields to change")
    .action(
      action(io, async (run, [id], o) => {
        const doc = o.file ? await readDocument(String(o.file), io.stdin) : undefined;
        const body = checked(
          updateSchema,
          bodyFrom(doc, { name: o.name, description: o.description }, "workspace"),
          "workspace",
        );
        const answer = await (await run.client()).request("PUT", `${PATH}/${seg(id ?? "")}`, { body });
        run.printDone(answer, `Updated workspace ${id}.`);
      }),
    );
  return group;
}

import type { Command } from "commander";
import { createSchema, updateSchema } from "../../shared/admin/config-routes";
import { seg } from "../client";
import { validateConfigLocally } from "../config-check";
import { UsageError } from "../errors";
import { readDocument } from "../input";
import { col } from "../output";
import { resourceCommand, workspaceOption } from "../resource";
import { action, checked, type Io } from "../runner";

const PATH = "/v1/configs";
const FILE = ["--file <path>", "the Gateway Config as JSON or YAML (`-`: stdin)"] as const;

async function configFrom(path: unknown, stdin: NodeJS.ReadableStream): Promise<unknown> {
  if (path === undefined) throw new UsageError("--file <path> is required: the config as JSON or YAML.");
  const config = await readDocument(String(path), stdin);
  await validateConfigLocally(config);
  return config;
}

/** `aigw configs ...`: saved routing configs, read from JSON or YAML and validated locally before they are sent. */
export function configsCommand(io: Io): Command {
  const group = resourceCommand(io, {
    name: "configs",
    summary: "Saved routing configs (fallback, loadbalance, conditional, retries, guardrails)",
    path: PATH,
    idName: "slug",
    noun: "config",
    scoped: true,
    versioned: true,
    columns: [
      col("slug"),
      col("name"),
      col("status"),
      col("version"),
      col("is_default", "DEFAULT"),
      col("workspace_id", "WORKSPACE"),
    ],
  });
  group
    .command("validate")
    .description("Check a config file as the gateway would, without sending it")
    .requiredOption(...FILE)
    .action(
      action(io, async (run, _args, o) => {
        await configFrom(o.file, io.stdin);
        run.printDone({ valid: true }, `${String(o.file)}: valid.`);
      }),
    );
  group
    .command("create")
    .description("Save a config (validated locally first)")
    .requiredOption("--name <name>")
    .requiredOption(...FILE)
    .option("--slug <slug>")
    .option("--default", "make it the workspace's default config")
    .option(...workspaceOption)
    .action(
      action(io, async (run, _args, o) => {
        const config = await configFrom(o.file, io.stdin);
        const body = checked(
          createSchema,
          {
            name: o.name,
            config,
            slug: o.slug,
            is_default: o.default === true ? true : undefined,
            workspace_id: o.workspace,
          },
          "config",
        );
        const answer = await (await run.client()).request("POST", PATH, { body });
        run.printDone(answer, `Created config ${String(answer.slug)} (version ${String(answer.version_id)}).`);
      }),
    );
  group
    .command("update")
    .description("Save a new version of a config")
    .argument("<slug>")
    .option(...FILE)
    .option("--name <name>")
    .option("--default", "make it the workspace's default config")
    .option("--archive", "archive it (requests that name it fail)")
    .option(...workspaceOption)
    .action(
      action(io, async (run, [slug], o) => {
        const config = o.file === undefined ? undefined : await configFrom(o.file, io.stdin);
        const body = checked(
          updateSchema,
          {
            name: o.name,
            config,
            is_default: o.default === true ? true : undefined,
            status: o.archive === true ? "archived" : undefined,
          },
          "config",
        );
        const query = { workspace_id: o.workspace as string | undefined };
        const answer = await (await run.client()).request("PUT", `${PATH}/${seg(slug ?? "")}`, { query, body });
        run.printDone(answer, `Updated config ${slug} (version ${String(answer.version_id)}).`);
      }),
    );
  return group;
}

import { Command } from "commander";
import { seg } from "./client";
import type { Column } from "./output";
import { action, type Io, intOption } from "./runner";

/** One admin collection (`/v1/configs`, ...): what `list`, `get` and `delete` share. */
export interface Resource {
  /** The command name (`configs`). */
  readonly name: string;
  readonly summary: string;
  readonly path: string;
  /** What the path parameter is called in help (`slug`, `id`). */
  readonly idName: string;
  /** The singular noun in messages (`config`). */
  readonly noun: string;
  readonly columns: readonly Column[];
  /** Whether `get` takes `--version N` (configs, guardrails). */
  readonly versioned?: boolean;
  /** Whether calls take `--workspace` (everything but workspaces themselves). */
  readonly scoped: boolean;
}

/** `--workspace <id>`: which workspace the root key acts on (a workspace key may only name its own). */
export const workspaceOption = [
  "--workspace <id>",
  "the workspace (root key: required to create; optional elsewhere)",
] as const;

/** The group command with `list`, `get <id>` and `delete <id>`; the caller adds `create` and friends. */
export function resourceCommand(io: Io, r: Resource): Command {
  const group = new Command(r.name).description(r.summary);
  const list = group.command("list").description(`List ${r.name}`);
  if (r.scoped) list.option(...workspaceOption);
  list
    .option("--limit <n>", "page size, 1..100 (default 50)")
    .option("--cursor <cursor>", "the next page (printed under the table)")
    .action(
      action(io, async (run, _args, o) => {
        const client = await run.client();
        const query = {
          workspace_id: o.workspace as string | undefined,
          limit: intOption(o.limit, "--limit", 1, 100),
          cursor: o.cursor as string | undefined,
        };
        run.printList(await client.request("GET", r.path, { query }), r.columns);
      }),
    );
  const get = group.command("get").description(`Show one ${r.noun}`).argument(`<${r.idName}>`);
  if (r.scoped) get.option(...workspaceOption);
  if (r.versioned) get.option("--version <n>", "that saved version");
  get.action(
    action(io, async (run, [id], o) => {
      const client = await run.client();
      const version = intOption(o.version, "--version", 1, 1_000_000);
      const query = { workspace_id: o.workspace as string | undefined, version };
      run.printRecord(await client.request("GET", `${r.path}/${seg(id ?? "")}`, { query }));
    }),
  );
  const del = group.command("delete").description(`Delete a ${r.noun}`).argument(`<${r.idName}>`);
  if (r.scoped) del.option(...workspaceOption);
  del.action(
    action(io, async (run, [id], o) => {
      const client = await run.client();
      const query = { workspace_id: o.workspace as string | undefined };
      const answer = await client.request("DELETE", `${r.path}/${seg(id ?? "")}`, { query });
      run.printDone(answer, `Deleted ${r.noun} ${id}.`);
    }),
  );
  return group;
}

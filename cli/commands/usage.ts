import { Command } from "commander";
import { type Json, seg } from "../client";
import { type Column, col } from "../output";
import { action, type Io } from "../runner";

const USAGE_COLUMNS: Column[] = [
  col("type"),
  col("periodicReset", "RESET"),
  col("limit"),
  col("spent"),
  col("reserved"),
  col("remaining"),
  col("periodStart", "SINCE"),
  { header: "STATE", cell: (row: Json) => (row.exhausted ? "exhausted" : row.alertCrossed ? "alert" : "ok") },
];

const OWNERS = [
  { name: "workspace", arg: "id", path: (id: string) => `/v1/admin/workspaces/${seg(id)}/usage` },
  { name: "api-key", arg: "id", path: (id: string) => `/v1/api-keys/${seg(id)}/usage` },
  { name: "virtual-key", arg: "slug", path: (id: string) => `/v1/virtual-keys/${seg(id)}/usage` },
] as const;

/** `aigw usage workspace|api-key|virtual-key <id>`: current spend against each budget of the owner. */
export function usageCommand(io: Io): Command {
  const group = new Command("usage").description("Current spend against the budgets (usage_limits) of an owner");
  for (const owner of OWNERS) {
    const cmd = group.command(owner.name).description(`Budgets of a ${owner.name.replace("-", " ")}`);
    cmd.argument(`<${owner.arg}>`);
    if (owner.name === "virtual-key") cmd.option("--workspace <id>", "root key: the slug's workspace");
    cmd.action(
      action(io, async (run, [id], o) => {
        const query = { workspace_id: o.workspace as string | undefined };
        run.printList(await (await run.client()).request("GET", owner.path(id ?? ""), { query }), USAGE_COLUMNS);
      }),
    );
  }
  return group;
}

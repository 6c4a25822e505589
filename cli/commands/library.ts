import type { Command } from "commander";
import type { z } from "zod";
import { createSchema as createGuardrail, updateSchema as updateGuardrail } from "../../shared/admin/guardrail-routes";
import { createPromptSchema, publishPromptSchema, updatePromptSchema } from "../../shared/prompts/prompt-shapes";
import { seg } from "../client";
import { UsageError } from "../errors";
import { readDocument } from "../input";
import { col } from "../output";
import { resourceCommand, workspaceOption } from "../resource";
import { action, bodyFrom, checked, type Io, intOption } from "../runner";

interface Library {
  readonly name: string;
  readonly noun: string;
  readonly summary: string;
  readonly path: string;
  readonly fileHelp: string;
  readonly create: z.ZodType;
  readonly update: z.ZodType;
  readonly versioned: boolean;
}

/** A saved library collection (prompts, guardrails): `create` / `update` from a JSON or YAML body, checked locally. */
function libraryCommand(io: Io, lib: Library): Command {
  const group = resourceCommand(io, {
    name: lib.name,
    summary: lib.summary,
    path: lib.path,
    idName: "id",
    noun: lib.noun,
    scoped: true,
    versioned: lib.versioned,
    columns: [col("id"), col("name"), col("status"), col("version"), col("workspace_id", "WORKSPACE")],
  });
  group
    .command("create")
    .description(`Save a ${lib.noun} from a JSON or YAML file`)
    .requiredOption("--file <path>", lib.fileHelp)
    .option("--name <name>", "overrides the file's name")
    .option(...workspaceOption)
    .action(
      action(io, async (run, _args, o) => {
        const doc = await readDocument(String(o.file), io.stdin);
        const body = checked(
          lib.create,
          bodyFrom(doc, { name: o.name, workspace_id: o.workspace }, lib.noun),
          lib.noun,
        );
        const answer = await (await run.client()).request("POST", lib.path, { body });
        run.printDone(answer, `Created ${lib.noun} ${String(answer.id)}.`);
      }),
    );
  group
    .command("update")
    .description(`Update a ${lib.noun} from a JSON or YAML file (changed content is a new version)`)
    .argument("<id>")
    .requiredOption("--file <path>", "the fields to change")
    .option(...workspaceOption)
    .action(
      action(io, async (run, [id], o) => {
        const doc = await readDocument(String(o.file), io.stdin);
        const body = checked(lib.update, bodyFrom(doc, {}, lib.noun), lib.noun);
        const query = { workspace_id: o.workspace as string | undefined };
        const answer = await (await run.client()).request("PUT", `${lib.path}/${seg(id ?? "")}`, { query, body });
        run.printDone(answer, `Updated ${lib.noun} ${id}.`);
      }),
    );
  return group;
}

/** `aigw prompts ...`: the prompt library (templates, versions, publishing). */
export function promptsCommand(io: Io): Command {
  const group = libraryCommand(io, {
    name: "prompts",
    noun: "prompt",
    summary: "Prompt templates (docs/prompts.md)",
    path: "/v1/prompts",
    fileHelp: "the prompt: name, string (the template), parameters, model, virtual_key, ...",
    create: createPromptSchema,
    update: updatePromptSchema,
    versioned: false,
  });
  group
    .command("publish")
    .description("Publish a version (the one that runs when no version is named)")
    .argument("<id>")
    .requiredOption("--version <n>", "the version to publish")
    .option(...workspaceOption)
    .action(
      action(io, async (run, [id], o) => {
        const version = intOption(o.version, "--version", 1, 1_000_000);
        if (version === undefined) throw new UsageError("--version is required.");
        const body = checked(publishPromptSchema, { version }, "publish");
        const query = { workspace_id: o.workspace as string | undefined };
        const answer = await (await run.client()).request("PUT", `/v1/prompts/${seg(id ?? "")}/makeDefault`, {
          query,
          body,
        });
        run.printDone(answer, `Published version ${version} of prompt ${id}.`);
      }),
    );
  return group;
}

/** `aigw guardrails ...`: saved guardrails that configs name by id. */
export function guardrailsCommand(io: Io): Command {
  return libraryCommand(io, {
    name: "guardrails",
    noun: "guardrail",
    summary: "Saved guardrails (docs/guardrails.md)",
    path: "/v1/guardrails",
    fileHelp: "the guardrail: name, checks [{id, parameters}], actions {deny, on_fail, ...}",
    create: createGuardrail,
    update: updateGuardrail,
    versioned: true,
  });
}

import { Command, CommanderError } from "commander";
import { analyticsCommand } from "./commands/analytics";
import { apiKeysCommand } from "./commands/api-keys";
import { configsCommand } from "./commands/configs";
import { guardrailsCommand, promptsCommand } from "./commands/library";
import { loginCommand } from "./commands/login";
import { logsCommand } from "./commands/logs";
import { usageCommand } from "./commands/usage";
import { virtualKeysCommand } from "./commands/virtual-keys";
import { workspacesCommand } from "./commands/workspaces";
import { ApiError, EXIT_API, EXIT_OK, EXIT_USAGE, UsageError } from "./errors";
import { stripControls } from "./output";
import type { Io } from "./runner";

/** Commander settings every command shares (subcommands built with `new Command` do not inherit them). */
function configure(cmd: Command, io: Io): void {
  cmd
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(add --help for usage)")
    .allowExcessArguments(false);
  for (const sub of cmd.commands) configure(sub, io);
}

export function buildProgram(io: Io): Command {
  const program = new Command("aigw")
    .description("Admin CLI of the serverless AI gateway: workspaces, keys, configs, prompts, guardrails, logs, usage")
    .option("--url <url>", "gateway base URL (env AIGW_URL, else the config file)")
    .option("--key <key>", "admin key (prefer env AIGW_API_KEY or `aigw login`: argv is visible to other users)")
    .option("--json", "machine-readable JSON output")
    .option("--timeout <seconds>", "per request (default 30)");
  for (const cmd of [
    loginCommand(io),
    workspacesCommand(io),
    apiKeysCommand(io),
    virtualKeysCommand(io),
    configsCommand(io),
    promptsCommand(io),
    guardrailsCommand(io),
    logsCommand(io),
    usageCommand(io),
    analyticsCommand(io),
  ]) {
    program.addCommand(cmd);
  }
  configure(program, io);
  return program;
}

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    io.stdout(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help exits 0; everything else commander refuses is a usage error (it printed why).
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ApiError) {
      const detail = [err.status && `HTTP ${err.status}`, err.code, err.param && `param ${err.param}`]
        .filter(Boolean)
        .join(", ");
      io.stderr(stripControls(`error: ${err.message}${detail ? ` (${detail})` : ""}`).concat("\n"));
      return EXIT_API;
    }
    throw err;
  }
}

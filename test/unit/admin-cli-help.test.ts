import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, main } from "../../cli/main";
import type { Io } from "../../cli/runner";

function capture(): { io: Io; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdin: process.stdin,
    env: {},
    signal: new AbortController().signal,
  };
  return { io, out, err };
}

/** Every command path of the CLI (`[]`, `["workspaces"]`, `["workspaces", "list"]`, ...), from the program itself. */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return [prefix, ...cmd.commands.flatMap((sub) => commandPaths(sub, [...prefix, sub.name()]))];
}

describe("aigw --help", () => {
  const paths = commandPaths(buildProgram(capture().io)).filter((p) => p.at(-1) !== "help");

  it("covers every command group of the CLI", () => {
    const groups = paths.filter((p) => p.length === 1).map((p) => p[0]);
    expect(groups).toEqual([
      "login",
      "workspaces",
      "api-keys",
      "virtual-keys",
      "configs",
      "prompts",
      "guardrails",
      "logs",
      "usage",
      "analytics",
    ]);
  });

  it.each(paths.map((p) => [p.join(" ") || "(the program)", p] as const))(
    "%s --help exits 0 with its usage",
    async (_name, path) => {
      const { io, out, err } = capture();
      expect(await main([...path, "--help"], io)).toBe(0);
      expect(err).toEqual([]);
      expect(out.join("")).toMatch(new RegExp(`^Usage: aigw${path.map((p) => ` ${p}`).join("")} `));
      // Global options are listed under every command, so `--json` is discoverable where it is used.
      expect(out.join("")).toContain("--json");
    },
  );
});

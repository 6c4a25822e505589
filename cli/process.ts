import { main } from "./main";

/** The binary's entry: real streams, Ctrl-C stops `logs tail` cleanly, the exit code from `main`. */
export async function run(): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const code = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: process.stdin,
    env: process.env,
    signal: stop.signal,
  });
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  process.exitCode = code;
}

import type { Authenticator } from "../../core/principal";
import type { RequestRun, RequestStep } from "../request-run";

/**
 * Authenticates the gateway key (`x-portkey-api-key`, or a Bearer gateway key) to a principal with the
 * `completions` scope: 401 / 403 otherwise. Principals are cached in memory (ADR 0005). A prompt call was
 * authenticated by the prompts step already. The workspace's `log_bodies: false` turns body logging off.
 */
export function createAuthenticateStep(authenticator: Authenticator): RequestStep {
  return {
    name: "authenticate",
    async before(run: RequestRun): Promise<undefined> {
      run.principal ??= await authenticator.authenticate(run.req, "completions");
      if (run.principal.workspaceLogBodies === false) run.logBodies = false;
      return undefined;
    },
  };
}

import { motoClientConfig } from "../support/aws-env";
import { LOG_BUCKET, provisionGatewayOnMoto } from "../support/gateway-on-moto";

/**
 * The AWS side of a deployment, on the suite's moto (test/support/gateway-on-moto.ts), with the functions'
 * environment set in this process as the stack sets it. Returns a gateway key made through the admin core.
 */
export { LOG_BUCKET };
/** The API host the stack passes to the gateway (GATEWAY_SELF_HOSTS). */
export const SELF_HOST = "gw123.execute-api.us-east-1.amazonaws.com";

export async function provisionOnMoto(): Promise<{ apiKey: string; workspaceId: string }> {
  const deployment = await provisionGatewayOnMoto(motoClientConfig());
  Object.assign(process.env, {
    ...deployment.awsEnv,
    ...deployment.env,
    CUSTOM_HOST_ALLOWLIST: "loopback",
    GATEWAY_SELF_HOSTS: SELF_HOST,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  return { apiKey: deployment.apiKey, workspaceId: deployment.workspaceId };
}

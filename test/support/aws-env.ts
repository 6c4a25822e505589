import { inject } from "vitest";

/** Static credentials and the moto endpoint for SDK clients in integration tests. */
export function motoClientConfig(): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return {
    endpoint: inject("motoEndpoint"),
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
}

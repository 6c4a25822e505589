import { beforeAll, inject } from "vitest";

/** Every integration suite starts from an empty moto: suites never see each other's resources. */
beforeAll(async () => {
  const res = await fetch(`${inject("motoEndpoint")}/moto-api/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
});

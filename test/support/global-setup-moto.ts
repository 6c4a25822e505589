import type { TestProject } from "vitest/node";
import { type MotoServer, startMotoServer } from "./moto-server";

/** Starts one moto_server on a free loopback port for the integration project and stops it afterwards. */

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

let moto: MotoServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  moto = await startMotoServer();
  project.provide("motoEndpoint", moto.endpoint);
}

export async function teardown(): Promise<void> {
  await moto?.stop();
}

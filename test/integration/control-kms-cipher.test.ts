import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsCipher } from "../../shared/aws/kms-cipher";
import { runSecretCipherContract } from "../contract/secret-cipher-contract";
import { motoClientConfig } from "../support/aws-env";

let client: KMSClient;
let keyId: string;

beforeAll(async () => {
  client = new KMSClient(motoClientConfig());
  const created = await client.send(new CreateKeyCommand({ Description: "virtual keys" }));
  keyId = created.KeyMetadata?.KeyId ?? "";
});
afterAll(() => client.destroy());

runSecretCipherContract("KMS on moto_server", async () => new KmsCipher(client, keyId));

describe("moto's KMS", () => {
  it("enforces the encryption context on Decrypt (so the contract above tests real behaviour)", async () => {
    // Prepare
    const sealed = await client.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x"), EncryptionContext: { workspace: "a" } }),
    );
    // Act
    const wrong = client.send(
      new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { workspace: "b" } }),
    );
    // Assess
    await expect(wrong).rejects.toMatchObject({ name: "InvalidCiphertextException" });
  });
});

/** `vigil new-key` and `vigil hash-key KEY`: API keys and the sha256 digests VIGIL_API_KEY_HASHES holds. */
import { randomBytes } from "node:crypto";
import { hashApiKey } from "../server/access";

/** A random API key, printed with its sha256. */
export function newKeyCommand(): void {
  const key = randomBytes(24).toString("base64url");
  console.log(
    `key:    ${key}\nsha256: ${hashApiKey(key)}   (put this in VIGIL_API_KEY_HASHES; give the key to the client)`,
  );
}

/** An existing key's sha256. */
export function hashKeyCommand(key: string): void {
  console.log(hashApiKey(key));
}

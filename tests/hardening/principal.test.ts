import { expect, test } from "bun:test";
import { hashApiKey } from "../../src/server/access";
import { jwtPrincipal, keyPrincipal, LOCAL_PRINCIPAL, sessionStoreKey } from "../../src/server/principal";

test("a key's principal is a short hash of it, never the key", () => {
  const key = "a-secret-api-key-0123456789";
  const principal = keyPrincipal(hashApiKey(key));
  expect(principal).toEqual({ id: "key:" + hashApiKey(key).slice(0, 16), scheme: "key" });
  expect(principal.id).not.toContain(key);
});

test("JWT principals: no two (issuer, subject) pairs share one, and none holds a /", () => {
  const pairs: Array<[string, string]> = [
    ["https://id.example.org", "alice"],
    ["https://id.example.org", "alice/"],
    ["a:b", "c"],
    ["a", "b:c"],
    ["https://id.example.org/tenant", "x"],
    ["https://id.example.org", "tenant/x"],
  ];
  const ids = pairs.map(([iss, sub]) => jwtPrincipal(iss, sub).id);
  expect(new Set(ids).size).toBe(pairs.length);
  for (const id of ids) expect(id).not.toContain("/");
  expect(jwtPrincipal("https://id.example.org", "alice").id).toBe("jwt:https%3A%2F%2Fid.example.org:alice");
});

test("a session's store key is its owner and its id; the same id under two owners gives two keys", () => {
  const alice = jwtPrincipal("https://id.example.org", "alice").id;
  const bob = jwtPrincipal("https://id.example.org", "bob").id;
  expect(sessionStoreKey({ owner: alice, id: "study-0001" })).not.toBe(
    sessionStoreKey({ owner: bob, id: "study-0001" }),
  );
  expect(sessionStoreKey({ owner: LOCAL_PRINCIPAL.id, id: "study-0001" })).toBe("local/study-0001");
});

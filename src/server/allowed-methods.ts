/**
 * Which methods a path has routes for, so that a request with another method is answered 405 with `Allow`
 * (RFC 9110, 15.5.6) instead of 404. The app's own routes are matched with Hono's trie router, the same
 * pattern syntax the app registers them with; middleware (method ALL, wildcard paths) is left out.
 */
import { TrieRouter } from "hono/router/trie-router";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export interface RouteEntry {
  method: string;
  path: string;
}

/** A function from a path to the methods it is served with (empty for a path no route has). */
export function allowedMethodsOf(routes: readonly RouteEntry[]): (path: string) => string[] {
  const router = new TrieRouter<true>();
  const endpoints = new Set<string>();
  for (const { method, path } of routes) {
    const key = `${method} ${path}`;
    if (method === "ALL" || path.includes("*") || endpoints.has(key)) continue;
    endpoints.add(key);
    router.add(method, path, true);
  }
  return (path) => {
    const allowed = METHODS.filter((method) => router.match(method, path)[0].length > 0);
    // Hono answers HEAD with the GET route.
    if (allowed.includes("GET") && !allowed.includes("HEAD")) allowed.splice(allowed.indexOf("GET") + 1, 0, "HEAD");
    return allowed;
  };
}

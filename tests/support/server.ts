/** Starts the real server (real worker threads and models) on a free loopback port for a test file. */
import { loadServerConfig, type ServerConfig } from "../../src/config";
import { startServer, type RunningServer } from "../../src/server/start-server";

export async function startTestServer(overrides: Record<string, string> = {}): Promise<RunningServer & { config: ServerConfig }> {
  const config = loadServerConfig([], { VIGIL_PORT: "0", VIGIL_WORKERS: "2", VIGIL_LOG_REQUESTS: "false", ...overrides });
  const server = await startServer(config, () => {});
  await server.pool.whenAllReady();
  return { ...server, config };
}

/** Starts the real server (real worker threads and models) on a free loopback port for a test file. */
import { loadServerConfig, type ServerConfig } from "../../src/config";
import { startServer, type RunningServer } from "../../src/server/start-server";

export async function startTestServer(
  overrides: Record<string, string> = {},
): Promise<RunningServer & { config: ServerConfig }> {
  const config = loadServerConfig([], {
    VIGIL_PORT: "0",
    VIGIL_WORKERS: "2",
    VIGIL_LOG_REQUESTS: "false",
    VIGIL_AUTH: "none",
    VIGIL_RATE_LIMIT_PER_SECOND: "1000",
    VIGIL_RATE_LIMIT_PER_PRINCIPAL_PER_SECOND: "1000",
    VIGIL_MAX_IN_FLIGHT_PER_CLIENT: "1000",
    VIGIL_MAX_IN_FLIGHT_PER_PRINCIPAL: "1000",
    ...overrides,
  });
  const server = await startServer(config, () => {});
  await server.pool.whenAllReady();
  return { ...server, config };
}

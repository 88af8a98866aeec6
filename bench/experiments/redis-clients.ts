/**
 * Which Redis client for the session store: CPU time per frame of the store's Redis traffic (HMGET of the
 * record, then the compare-and-set script with the new record; see src/session/redis-session-store.ts)
 * with Bun's built-in RedisClient and the two common npm clients, in the same run against one redis-server.
 *
 *   npm install --no-save ioredis@6.0.0 redis@6.3.1   # the npm clients are not dependencies of Vigil
 *   npx bun bench/experiments/redis-clients.ts [frames]
 *
 * A client that is not installed is left out. Writes bench/results/redis-clients.md.
 */
import { RedisClient } from "bun";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { CAS_SCRIPT } from "../../src/session/redis-session-store";
import { startRedisServer } from "../../tests/support/redis-server";
import { exitOnHelp } from "../lib/help";

exitOnHelp(import.meta);

const frames = Number(process.argv[2] ?? 2000);
const ROUNDS = 5;
// A session after five minutes at one frame a second: 300 observations and the tracking ROI.
const observation = {
  at: 1_760_000_000_000,
  faces: 1,
  eyesClosed: false,
  openness: 0.83,
  lookingAway: false,
  yawn: false,
  unusable: false,
};
const record = JSON.stringify({
  history: {
    observations: Array.from({ length: 300 }, (_, i) => ({ ...observation, at: observation.at + i * 1000 })),
    state: "focused",
    stateSince: 0,
    frames: 300,
    firstAt: 0,
  },
  tracking: { rois: [{ xCenter: 0.5, yCenter: 0.5, width: 0.3, height: 0.3, rotation: 0 }], at: 0 },
  framePlan: null,
});
const sha = createHash("sha1").update(CAS_SCRIPT).digest("hex");

interface Client {
  name: string;
  send(command: string, args: string[]): Promise<unknown>;
  close(): Promise<void> | void;
}

async function clients(url: string): Promise<Client[]> {
  const bun = new RedisClient(url);
  await bun.connect();
  const list: Client[] = [
    { name: "Bun RedisClient (built in)", send: (c, a) => bun.send(c, a), close: () => bun.close() },
  ];
  try {
    const { default: IORedis } = await import("ioredis" as string);
    const io = new IORedis(url);
    list.push({ name: "ioredis", send: (c, a) => io.call(c, ...a), close: () => io.quit() });
  } catch {
    console.warn("ioredis not installed: left out");
  }
  try {
    const { createClient } = await import("redis" as string);
    const node = await createClient({ url }).connect();
    list.push({ name: "redis (node-redis)", send: (c, a) => node.sendCommand([c, ...a]), close: () => node.quit() });
  } catch {
    console.warn("redis (node-redis) not installed: left out");
  }
  return list;
}

async function frame(client: Client, key: string, version: number): Promise<void> {
  await client.send("HMGET", [key, "v", "r"]);
  await client.send("EVALSHA", [sha, "1", key, version ? String(version) : "", String(version + 1), record, "300000"]);
}

const redis = await startRedisServer();
try {
  const list = await clients(redis.url);
  await list[0].send("SCRIPT", ["LOAD", CAS_SCRIPT]);
  for (const client of list) for (let i = 0; i < 200; i++) await frame(client, `warm:${client.name}`, i); // JIT, connection
  // Rounds alternate the clients, so that a busy moment of the machine does not fall on one client alone.
  const samples = new Map(list.map((client) => [client, { cpu: [] as number[], wall: [] as number[] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const client of list) {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < frames; i++) await frame(client, `bench:${client.name}`, round * frames + i);
      const used = process.cpuUsage(cpu);
      samples.get(client)!.wall.push((performance.now() - t0) / frames);
      samples.get(client)!.cpu.push((used.user + used.system) / 1000 / frames);
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const rows = list.map(
    (client) =>
      `| ${client.name} | ${median(samples.get(client)!.cpu).toFixed(3)} | ${median(samples.get(client)!.wall).toFixed(3)} |`,
  );
  for (const client of list) await client.close();
  const md = `# Redis clients for the session store

\`npx bun bench/experiments/redis-clients.ts ${frames}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, a shared 2-core machine: one session frame's Redis
traffic (HMGET of the record, then the compare-and-set script writing a ${(record.length / 1024).toFixed(1)} KiB record), ${frames} times
in a row per client, in ${ROUNDS} rounds alternating the clients, against one redis-server 7 on loopback. Medians of the
rounds. The client's CPU time decides (wall time includes Redis and the machine's other load).

| client | client CPU ms/frame (median) | wall ms/frame (median) |
| --- | --- | --- |
${rows.join("\n")}
`;
  writeFileSync(new URL("../results/redis-clients.md", import.meta.url), md);
  console.log(md);
} finally {
  await redis.stop();
}

/** A small SVG line chart of latency percentiles against users, so a reader can look rather than read. */
interface Point {
  users: number;
  latencyMs: { p50: number; p90: number; p99: number };
}

export function latencyChart(withSessions: Point[], withoutSessions: Point[], targetMs: number): string {
  const width = 720;
  const height = 420;
  const pad = { left: 60, right: 170, top: 30, bottom: 50 };
  const all = [...withSessions, ...withoutSessions];
  const maxUsers = Math.max(10, ...all.map((p) => p.users));
  const maxMs = Math.max(targetMs * 1.5, ...all.map((p) => Math.min(p.latencyMs.p99, targetMs * 6)));
  const x = (u: number) => pad.left + (u / maxUsers) * (width - pad.left - pad.right);
  const y = (ms: number) => height - pad.bottom - (Math.min(ms, maxMs) / maxMs) * (height - pad.top - pad.bottom);
  const line = (points: Point[], key: "p50" | "p90" | "p99", colour: string, dash: string) =>
    points.length
      ? `<polyline fill="none" stroke="${colour}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ""} points="${points.map((p) => `${x(p.users).toFixed(1)},${y(p.latencyMs[key]).toFixed(1)}`).join(" ")}"/>`
      : "";
  const series = [
    ["p50", "#2a9d8f"],
    ["p90", "#e9c46a"],
    ["p99", "#e76f51"],
  ] as const;
  const ticksX = Array.from({ length: 6 }, (_, i) => Math.round((maxUsers * i) / 5));
  const ticksY = Array.from({ length: 6 }, (_, i) => Math.round((maxMs * i) / 5));
  const legend = [
    ...series.map(
      ([k, c], i) =>
        `<line x1="${width - 150}" y1="${50 + i * 22}" x2="${width - 120}" y2="${50 + i * 22}" stroke="${c}" stroke-width="2"/><text x="${width - 114}" y="${54 + i * 22}">${k} sessions</text>`,
    ),
    ...series.map(
      ([k, c], i) =>
        `<line x1="${width - 150}" y1="${130 + i * 22}" x2="${width - 120}" y2="${130 + i * 22}" stroke="${c}" stroke-width="2" stroke-dasharray="5,4"/><text x="${width - 114}" y="${134 + i * 22}">${k} no sessions</text>`,
    ),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${pad.left}" y="18" font-size="14">Vigil: latency against simultaneous users (one frame a second each)</text>
<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="black"/>
<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="black"/>
${ticksX.map((u) => `<text x="${x(u)}" y="${height - pad.bottom + 16}" text-anchor="middle">${u}</text>`).join("\n")}
${ticksY.map((ms) => `<text x="${pad.left - 6}" y="${y(ms) + 4}" text-anchor="end">${ms}</text><line x1="${pad.left}" y1="${y(ms)}" x2="${width - pad.right}" y2="${y(ms)}" stroke="#eee"/>`).join("\n")}
<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">users</text>
<text x="16" y="${(pad.top + height - pad.bottom) / 2}" transform="rotate(-90 16 ${(pad.top + height - pad.bottom) / 2})" text-anchor="middle">latency (ms)</text>
<line x1="${pad.left}" y1="${y(targetMs)}" x2="${width - pad.right}" y2="${y(targetMs)}" stroke="#888" stroke-dasharray="2,3"/>
<text x="${width - pad.right - 4}" y="${y(targetMs) - 4}" text-anchor="end" fill="#666">p99 target ${targetMs} ms</text>
${series.map(([k, c]) => line(withSessions, k, c, "")).join("\n")}
${series.map(([k, c]) => line(withoutSessions, k, c, "5,4")).join("\n")}
${legend.join("\n")}
</svg>
`;
}

/**
 * Gives memory back after a burst. JavaScriptCore collects when allocation demands it, so a thread that
 * analysed a burst of frames (or refused a storm of bad ones) and then went quiet keeps its garbage: the
 * process stays at its peak. Once a thread has been idle for `idleMs` after doing work, this runs one full
 * collection; under steady load it never fires, because the thread is never idle that long.
 */
/**
 * Quiet time before collecting. A full collection pauses the thread (tens of ms), so it must not land
 * just as traffic resumes after a short lull: 5 s of silence means the burst is over.
 */
export const IDLE_COLLECT_MS = 5000;

export function createIdleCollector(idleMs: number): { touch(): void } {
  const collect = (globalThis as { Bun?: { gc(full: boolean): void } }).Bun?.gc;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    touch() {
      if (!collect) return;
      clearTimeout(timer);
      timer = setTimeout(() => collect(true), idleMs);
      (timer as { unref?: () => void }).unref?.();
    },
  };
}

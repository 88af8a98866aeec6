/**
 * One frame-sized byte buffer that a thread reuses frame after frame (decode output, a crop), instead of
 * allocating and freeing a megabyte or more per frame. Freed memory goes back to the kernel soon after (Bun's
 * allocator purges it), so every fresh buffer would be page-faulted in again, hundreds of minor faults a frame
 * under load (measured: bench/results/allocator-settings.md).
 *
 * Whoever holds the buffer must be done with the previous bytes before asking again: the worker analyses one
 * frame at a time (src/pool/serve-jobs.ts), and nothing keeps a frame's pixels after its answer. A request
 * larger than `keepBytes` (a big photo) gets a fresh array, so one odd frame does not pin its size for the
 * thread's lifetime.
 */
export class FrameBuffer {
  private buffer: Uint8Array = new Uint8Array(0);

  constructor(private readonly keepBytes: number) {}

  /** `bytes` bytes, the previous contents undefined; a view of the kept buffer when it fits. */
  take = (bytes: number): Uint8Array => {
    if (bytes > this.keepBytes) return new Uint8Array(bytes);
    if (this.buffer.byteLength < bytes) this.buffer = new Uint8Array(bytes);
    return this.buffer.subarray(0, bytes);
  };

  /** Bytes held between frames. */
  get heldBytes(): number {
    return this.buffer.byteLength;
  }
}

/**
 * An empty desk's quick look: a session frame after one with nobody in it is first decoded only this large
 * (its long side, in pixels) and shown to the short-range detector; the whole frame is decoded only if
 * someone is found (frame-analyzer.ts, FaceSearch.expectEmpty in frame-contract.ts). That detector sees any frame at
 * 128 px
 * (DETECTOR_INPUT_SIZE in engine/face-engine.ts), so 160 px loses nothing it would see, and a webcam JPEG
 * decodes at that size straight from its DCT (640x480 at 1/4). An empty desk's frame costs 6.9 ms of CPU
 * instead of 8.6, and on 205 real photos the quick look finds someone in every one where the whole frame does
 * (measured: bench/results/quick-look.md). Image quality is then judged on the small
 * frame (the same brightness; a lower sharpness figure, far above the blurry threshold on the fixtures), and
 * `image.analyzedWidth` says so. Its own module because the API's description of that field quotes it.
 */
export const QUICK_LOOK_SIDE = 160;

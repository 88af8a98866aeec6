# Build: install (which also builds the models from the npm packages) and compile the single binary.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY wasm ./wasm
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Run: only the binary (Bun runtime, WASM, models and docs page inside). It links nothing but glibc
# (libc, libm, libpthread, libdl), so a distroless base with glibc is all it needs.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /src/dist/vigil /vigil
# mimalloc reads its settings when the process starts (src/allocator-env.ts): set here, so no re-exec is needed.
ENV VIGIL_HOST=0.0.0.0 \
    VIGIL_PORT=8080 \
    MIMALLOC_PURGE_DELAY=1000
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/vigil", "serve"]

# The image: nothing but the compiled server and the few files it needs at run time, laid out in
# dist/image-root by deploy/image/build-root.sh (glibc and CA roots from pinned Debian packages, a non-root
# user). Build it with `npm run image` (buildah), or with Docker:
#   npm ci && npm run build && deploy/image/build-root.sh && docker build -t vigil .
FROM scratch
COPY dist/image-root/ /
# mimalloc reads its settings when the process starts (src/cli/allocator-env.ts): set here, so no re-exec is needed.
ENV VIGIL_HOST=0.0.0.0 \
    VIGIL_PORT=8080 \
    MIMALLOC_PURGE_DELAY=1000
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/vigil", "serve"]

#!/usr/bin/env bash
# Rebuilds the external (uncommitted) part of the eye-state set, bench/data/eyes/external/ in labels.json,
# from the public GitHub repositories it was taken from. For each `external/...` entry it runs
#   git --git-dir "$MIRRORS/<owner>+<name>/repo" show COMMIT:PATH
# and then the entry's `source.command` with IN and OUT replaced by the fetched file and the output path (the
# labels.json path less its leading "external/", under OUT). Every command is recorded there: the Yale GIFs
# and the webcam-people screenshots are written as PNG (`convert-im6.q16 IN OUT`), every JPEG is written by
# `convert-im6.q16 IN -auto-orient -resize '640x640>' -quality 92 OUT` (EXIF orientation applied, scaled to
# fit 640 px where larger, quality 92; the proctoring frames, 640x480 already, are only re-encoded). Frames of
# videos are taken by `ffmpeg -v error -i IN -vf 'select=eq(n\,N)' -vsync 0 -frames:v 1 -q:v 1 -y OUT` (frame N,
# counted from 0, as JPEG, nothing else); made with ffmpeg 5.1 (Debian 12), byte-identical on a rebuild.
#
#   MIRRORS=<folder of the fetched bare git dirs, <owner>+<name>/repo> OUT=<folder> bench/data/eyes/rebuild-external.sh
#
# OUT must lie outside the repository (these photos are never committed); point VIGIL_EYES_EXTERNAL at it.
# Needs python3 (stdlib only), git, ImageMagick 6 (convert-im6.q16; apt-get install imagemagick) and ffmpeg. A commit
# missing from a mirror is an error (the files would differ). Exits non-zero if any file failed.
set -euo pipefail

: "${MIRRORS:?set MIRRORS to the folder of <owner>+<name>/repo git dirs}"
: "${OUT:?set OUT to the folder to write (outside the repository)}"
LABELS="$(cd "$(dirname "$0")" && pwd)/labels.json"
command -v convert-im6.q16 >/dev/null || { echo "convert-im6.q16 missing (apt-get install -y imagemagick)" >&2; exit 2; }
command -v ffmpeg >/dev/null || { echo "ffmpeg missing (apt-get install -y ffmpeg)" >&2; exit 2; }
export MIRRORS OUT LABELS
exec python3 - <<'PY'
import json, os, shlex, subprocess, sys, tempfile

mirrors, out = os.environ["MIRRORS"], os.environ["OUT"]
images = json.load(open(os.environ["LABELS"]))["images"]
done, failed = 0, []
for entry in images:
    f = entry["file"]
    if not f.startswith("external/"):
        continue
    s = entry["source"]
    gitdir = os.path.join(mirrors, s["repo"].replace("/", "+"), "repo")
    dst = os.path.join(out, f[len("external/"):])
    try:
        blob = subprocess.run(["git", "--git-dir", gitdir, "show", s["commit"] + ":" + s["path"]],
                              capture_output=True, check=True).stdout
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=os.path.dirname(dst), delete=False) as t:
            t.write(blob)
            tmp = t.name
        try:
            argv = [tmp if a == "IN" else dst if a == "OUT" else a for a in shlex.split(s["command"])]
            subprocess.run(argv, check=True, capture_output=True)
        finally:
            os.unlink(tmp)
        done += 1
    except Exception as e:
        detail = getattr(e, "stderr", b"") or b""
        failed.append((f, "%s %s" % (e, detail.decode(errors="replace").strip())))
for f, why in failed:
    print("FAILED %s: %s" % (f, why), file=sys.stderr)
print("%d files written to %s, %d failed" % (done, out, len(failed)))
sys.exit(1 if failed else 0)
PY

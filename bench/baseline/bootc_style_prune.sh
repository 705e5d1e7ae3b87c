#!/bin/sh
# bootc-style prune: a shell rendering of how bootc frees its bound-image store
# (containers/bootc, lib/src/imgstorage.rs Storage::prune_except_roots), the baseline of
# rootpin's gc benchmark. It is NOT bootc; it is what bootc does, step for step:
#
#   podman --root STORE --runroot RUN image list --format=json        (one listing)
#   garbage = every image with a name that is not a root's image (bootc: `any(name not in
#             roots)`); images without names are kept, as bootc keeps them
#   podman --root STORE --runroot RUN image rm ID...   per chunk of 100 IDs (bootc's
#             SUBCMD_ARGV_CHUNKING), stdout to /dev/null
#
# usage: bootc_style_prune.sh [--podman PATH] [--runroot DIR] STORE KEEP_NAME...
set -eu

podman=podman
runroot=
while [ $# -gt 0 ]; do
  case "$1" in
    --podman) podman=$2; shift 2 ;;
    --runroot) runroot=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "bootc_style_prune.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 1 ]; then
  echo "usage: bootc_style_prune.sh [--podman P] [--runroot DIR] STORE KEEP_NAME..." >&2
  exit 2
fi
store=$1
shift
[ -n "$runroot" ] || runroot="$store.run"

keep=$(mktemp)
trap 'rm -f "$keep"' EXIT
for name in "$@"; do echo "$name"; done > "$keep"

# The JSON listing is read with python3 (bootc uses serde); one ID per line out.
"$podman" --root "$store" --runroot "$runroot" image list --format=json |
  /usr/bin/python3 -c '
import json, sys
keep = set(open(sys.argv[1]).read().split())
for image in json.load(sys.stdin) or []:
    if any(name not in keep for name in image.get("Names") or []):
        print(image["Id"])
' "$keep" |
  xargs -r -n 100 "$podman" --root "$store" --runroot "$runroot" image rm >/dev/null

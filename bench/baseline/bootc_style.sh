#!/bin/sh
# bootc-style: a shell rendering of the bound-images algorithm of bootc (containers/bootc,
# lib/src/boundimage.rs pull_images_impl + lib/src/imgstorage.rs Storage::pull with
# PullMode::IfNotExists), used as the baseline of rootpin's benchmarks. It is NOT bootc;
# it is what bootc does for bound images, step for step:
#
#   for each bound image, in sequence (bootc: "TODO: do this in parallel"):
#     podman --root STORE --runroot RUN image exists IMAGE     (one podman run per image)
#     if absent: podman --root STORE --runroot RUN image pull IMAGE   (stdout to /dev/null)
#   print "Bound images stored: N"
#
# bootc passes --authfile only when the sysroot has a global auth file; registries.conf
# (CONTAINERS_REGISTRIES_CONF) applies as for any podman. The first failing pull stops the
# loop with its exit status, as bootc's `?` does.
#
# usage: bootc_style.sh [--podman PATH] [--runroot DIR] [--storage-opt OPT]...
#                       [--authfile FILE] STORE REF...
set -eu

podman=podman
runroot=
authfile=
storage_opts=
while [ $# -gt 0 ]; do
  case "$1" in
    --podman) podman=$2; shift 2 ;;
    --runroot) runroot=$2; shift 2 ;;
    --authfile) authfile=$2; shift 2 ;;
    # Options that name the store's driver must be the same on both sides of a comparison.
    --storage-opt) storage_opts="$storage_opts --storage-opt=$2"; shift 2 ;;
    --) shift; break ;;
    -*) echo "bootc_style.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 1 ]; then
  echo "usage: bootc_style.sh [--podman P] [--runroot DIR] [--storage-opt OPT]... STORE REF..." >&2
  exit 2
fi
store=$1
shift
[ -n "$runroot" ] || runroot="$store.run"

n=0
for image in "$@"; do
  n=$((n + 1))
  # shellcheck disable=SC2086  # storage_opts is a list of words on purpose
  if "$podman" --root "$store" --runroot "$runroot" $storage_opts image exists "$image"; then
    continue
  fi
  if [ -n "$authfile" ]; then
    # shellcheck disable=SC2086
    "$podman" --root "$store" --runroot "$runroot" $storage_opts image pull "$image" \
      --authfile "$authfile" >/dev/null
  else
    # shellcheck disable=SC2086
    "$podman" --root "$store" --runroot "$runroot" $storage_opts image pull "$image" >/dev/null
  fi
done
echo "Bound images stored: $n"

#!/usr/bin/env bash
# Installs the Debian packages the test suite uses: a real OCI registry server (docker-registry),
# skopeo to inspect what was pushed, apache2-utils for htpasswd and openssl for the token service
# (registry auth tests), chromium to render the HTML data report headless and screenshot it, and
# podman + runc + buildah (with uidmap, slirp4netns) and busybox-static: the package tests build a
# small base image with buildah and run the images mlship builds in real containers; umoci unpacks
# the images mlship builds so tests read their files. packages/test-utils/src/system-deps.test.ts
# reads the `command -v` / `[ -x ]` checks below: every program a test starts must be installed here.
set -euo pipefail
need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
command -v buildah >/dev/null 2>&1 || need+=(buildah)
command -v newuidmap >/dev/null 2>&1 || need+=(uidmap)
command -v slirp4netns >/dev/null 2>&1 || need+=(slirp4netns)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v umoci >/dev/null 2>&1 || need+=(umoci)
# onnx's own checker (python3-onnx) validates the models packages/onnx exports.
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || need+=(python3-onnx)
# The arm64 edge image runs in podman with its entrypoint under qemu-aarch64-static (no binfmt_misc
# needed), on a test base made of Debian's arm64 libraries (`apt-get download libc6:arm64 ...`, no
# root needed once apt knows the arm64 architecture and has its package lists).
command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
arm64=0
{ dpkg --print-foreign-architectures | grep -qx arm64 && compgen -G '/var/lib/apt/lists/*_binary-arm64_Packages*' >/dev/null; } || arm64=1
[ ${#need[@]} -eq 0 ] && [ "$arm64" -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "missing Debian packages: ${need[*]}; arm64 package lists missing: $arm64 (as root: dpkg --add-architecture arm64; apt-get update; apt-get install -y ${need[*]})" >&2
  exit 3
fi
if [ "$arm64" -eq 1 ]; then
  echo "adding Debian's arm64 architecture (package lists for the arm64 test base)" >&2
  $SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -qq
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}" >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

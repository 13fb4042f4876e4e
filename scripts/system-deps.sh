#!/usr/bin/env bash
# Installs the Debian packages the test suite uses: a real OCI registry server (docker-registry),
# skopeo to inspect what was pushed, apache2-utils for htpasswd and openssl for the token service
# (registry auth tests), chromium to render the HTML data report headless and screenshot it, and
# podman + runc + buildah (with uidmap, slirp4netns) and busybox-static: the package tests build a
# small base image with buildah and run the images mlship builds in real containers.
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
# onnx's own checker (python3-onnx) validates the models packages/onnx exports.
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || need+=(python3-onnx)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "missing Debian packages: ${need[*]} (install them as root: apt-get install -y ${need[*]})" >&2
  exit 3
fi
echo "installing Debian packages: ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

#!/usr/bin/env bash
# Builds the local image the Docker tests and the offline demo run: kumo-test/busybox:local,
# a tiny rootfs holding Debian's statically linked busybox and a symlink per applet (sh,
# sleep, echo, httpd, ...). No registry is involved: the rootfs is `docker import`ed.
#
# Idempotent: does nothing when the image exists. Needs a running Docker daemon and
# /bin/busybox from the busybox-static package (installed with apt-get when missing and
# running as root).
#
# Usage: scripts/test-image.sh [IMAGE]   (default kumo-test/busybox:local)
set -euo pipefail

image="${1:-kumo-test/busybox:local}"

docker info >/dev/null 2>&1 || {
    echo "error: the Docker daemon is unreachable; start it (as root):" >&2
    echo "  dockerd --bridge=none --iptables=false > /tmp/dockerd.log 2>&1 &" >&2
    exit 1
}

if docker image inspect "$image" >/dev/null 2>&1; then
    echo "$image: present"
    exit 0
fi

# busybox-static's binary is statically linked, so it runs in an otherwise empty rootfs; the
# `busybox` package's dynamic binary would not.
busybox=/bin/busybox
if ! { [[ -x $busybox ]] && ! ldd "$busybox" >/dev/null 2>&1; }; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
    fi
    [[ -x $busybox ]] && ! ldd "$busybox" >/dev/null 2>&1 || {
        echo "error: a statically linked $busybox is needed: apt-get install -y busybox-static" >&2
        exit 1
    }
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/www"
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
    [[ $applet == busybox ]] || ln -s busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
echo 'root:x:0:' >"$rootfs/etc/group"
echo 'kumo test image' >"$rootfs/www/index.html"

tar -C "$rootfs" -c . |
    docker import \
        --change 'ENV PATH=/bin' \
        --change 'CMD ["/bin/sh"]' \
        - "$image" >/dev/null
echo "$image: built from $busybox"

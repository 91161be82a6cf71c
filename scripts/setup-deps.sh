#!/usr/bin/env bash
# Installs the Debian packages sinter needs to build and test. Run as root,
# or read the commands it prints. QEMU comes from bookworm-backports on
# Debian 12 (bookworm's QEMU 7.2 emulates no x2APIC under TCG).
set -euo pipefail

pkgs=(gnu-efi nasm ovmf mtools dosfstools fdisk gdisk nodejs xz-utils newlib-source console-setup-linux clang libclang-rt-14-dev binutils python3 graphviz gnuplot-nox)
need=()
for p in "${pkgs[@]}" qemu-system-x86 qemu-utils; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
# npm (for the PowerShell parser the VM script's syntax check installs):
# Debian's own package, unless a nodejs that bundles npm is installed.
command -v npm >/dev/null 2>&1 || need+=(npm)

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
qemu_major() { qemu-system-x86_64 --version 2>/dev/null | sed -n 's/.*version \([0-9]*\)\..*/\1/p'; }
want_backports=0
if [ "$codename" = bookworm ]; then
    m=$(qemu_major || true)
    if [ -z "$m" ] || [ "$m" -lt 8 ]; then want_backports=1; fi
fi

if [ ${#need[@]} -eq 0 ] && [ $want_backports -eq 0 ]; then
    exit 0
fi

# The backports line reuses whatever mirror bookworm already uses.
mirror_uri() {
    local u
    u=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
    [ -n "$u" ] || u=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1 || true)
    echo "$u"
}

if [ "$(id -u)" -ne 0 ]; then
    echo "sinter: missing build dependencies: ${need[*]}" >&2
    echo "sinter: run as root (or with sudo):" >&2
    if [ $want_backports -eq 1 ]; then
        echo "  echo 'deb $(mirror_uri) bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list" >&2
        echo "  apt-get update && apt-get install -y -t bookworm-backports qemu-system-x86 qemu-utils" >&2
    fi
    echo "  apt-get update && apt-get install -y ${need[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if [ $want_backports -eq 1 ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    uri=$(mirror_uri)
    [ -n "$uri" ] || { echo "sinter: cannot find the bookworm mirror to add backports" >&2; exit 1; }
    echo "deb $uri bookworm-backports main" > /etc/apt/sources.list.d/bookworm-backports.list
fi
echo "sinter: installing build dependencies: ${need[*]}"
apt-get update -q
if [ $want_backports -eq 1 ]; then
    apt-get install -y -q -t bookworm-backports qemu-system-x86 qemu-utils
fi
rest=()
for p in "${need[@]}"; do
    case $p in qemu-system-x86|qemu-utils) [ $want_backports -eq 1 ] || rest+=("$p") ;; *) rest+=("$p") ;; esac
done
[ ${#rest[@]} -eq 0 ] || apt-get install -y -q --no-install-recommends "${rest[@]}"

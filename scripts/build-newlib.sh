#!/usr/bin/env bash
# Builds newlib's libc.a for the freestanding kernel from Debian's
# newlib-source tarball into $1 (cached: does nothing if libc.a is there).
# Flags: PIC for the relocatable EFI image, no red zone (interrupts use the
# same stack), no stack protector (no TLS canary), short wchar like GNU-EFI.
set -euo pipefail
out=$(realpath -m "$1")
[ -f "$out/install/x86_64-elf/lib/libc.a" ] && exit 0
tarball=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || { echo "sinter: newlib-source tarball missing (apt-get install newlib-source)" >&2; exit 1; }
rm -rf "$out"; mkdir -p "$out/src" "$out/obj"
echo "sinter: building newlib from $tarball (about a minute, log in $out/build.log)"
tar xf "$tarball" -C "$out/src" --strip-components=1
cd "$out/obj"
flags="-ffreestanding -fPIC -mno-red-zone -fno-stack-protector -fshort-wchar -O2 -g"
{
  "$out/src/configure" --target=x86_64-elf --prefix="$out/install" \
      --disable-multilib --disable-newlib-supplied-syscalls \
      --enable-newlib-io-long-long --enable-newlib-io-c99-formats --disable-nls \
      CC_FOR_TARGET=gcc AR_FOR_TARGET=ar AS_FOR_TARGET=as LD_FOR_TARGET=ld \
      RANLIB_FOR_TARGET=ranlib NM_FOR_TARGET=nm OBJCOPY_FOR_TARGET=objcopy \
      CFLAGS_FOR_TARGET="$flags"
  make -j"$(nproc)" all-target-newlib
  make install-target-newlib
} > "$out/build.log" 2>&1 || { tail -n 30 "$out/build.log" >&2; echo "sinter: newlib build failed, see $out/build.log" >&2; exit 1; }
echo "sinter: newlib built"

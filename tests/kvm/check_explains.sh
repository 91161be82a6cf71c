#!/usr/bin/env bash
# `make run-kvm-hv` must say plainly whether it can run: its checker either
# finds KVM with Hyper-V emulation (exit 0, "available") or exits 1 with a
# "cannot run:" line naming what is missing. On these machines KVM has no
# Hyper-V capabilities, so the second is what a run here must show.
#   tests/kvm/check_explains.sh build/kvm_hv_check
set -u
out=$("$1" 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "^run-kvm-hv: KVM with Hyper-V emulation is available$" <<<"$out"; then
    echo "ok - run-kvm-hv: KVM with Hyper-V emulation found: $(head -n 1 <<<"$out")"
elif [ $rc = 1 ] && grep -q "^run-kvm-hv: cannot run: ." <<<"$out"; then
    echo "ok - run-kvm-hv explains why it cannot run: $(grep '^run-kvm-hv: cannot run:' <<<"$out" | head -n 1)"
else
    echo "not ok - run-kvm-hv: checker exit $rc without a verdict line"
    sed 's/^/    # /' <<<"$out"
fi

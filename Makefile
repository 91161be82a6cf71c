# sinter: build the EFI kernel, its host tests and fuzzers, and run them.
#   make          build build/sinter.efi and the ESP tree
#   make run      boot in QEMU (CMDLINE=, SMP=, MEM=, CPU=, MACHINE=, TIMEOUT=, GDB=1, DISK=)
#   make image    GPT disk image + VHDX for Hyper-V Gen2 (IMAGE_CMDLINE=)
#   make test     host tests, fuzz smoke, in-kernel suites on several machine shapes
#   make bench    benchmarks (ratios measured side by side)
#   make docs     the lessons' diagrams: docs/lessons/diagrams/*.dot -> .svg (graphviz)
#   make trace    one boot's interrupt trace -> build/trace/trace.json + a timeline SVG
SHELL := /bin/bash
BUILD := build
NEWLIB := $(BUILD)/newlib/install/x86_64-elf
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
FONT_SRC := /usr/share/consolefonts/Lat15-Terminus16.psf.gz

# Kernel directories; each contributes its *.c and *.asm.
KERNEL_DIRS := boot arch/x86_64 kernel kernel/shell kernel/tests lib lib/shell drivers drivers/console drivers/hyperv drivers/hv \
               drivers/hvsim drivers/vmbus drivers/hvutil drivers/dm

KERNEL_C := $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.c))
KERNEL_ASM := $(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.asm))
KERNEL_OBJ := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_C)) \
              $(patsubst %.asm,$(BUILD)/k/%.o,$(KERNEL_ASM)) $(BUILD)/k/font.o

# Kernel C: freestanding, PIC (GNU-EFI relocates the image), no red zone
# (interrupts land on the current stack), frame pointers for backtraces.
# SSE is allowed: the trap path saves the FPU/SSE state (docs/architecture.md,
# "SSE in interrupt context").
KCFLAGS := -std=gnu11 -ffreestanding -fpic -ffunction-sections -fdata-sections -fshort-wchar -mno-red-zone \
           -fno-stack-protector -fno-omit-frame-pointer -fno-strict-aliasing \
           -fvisibility=hidden -g -Wall -Wextra -Werror \
           -DGNU_EFI_USE_MS_ABI -DSINTER_KERNEL -I. \
           -isystem $(shell gcc -print-file-name=include) -isystem $(NEWLIB)/include
BOOT_CFLAGS := -I$(EFI_INC) -I$(EFI_INC)/x86_64 -Wno-unused-parameter
LDFLAGS_EFI := -nostdlib -znocombreloc -z noexecstack -shared -Bsymbolic -T linker.ld --no-undefined \
               --gc-sections --exclude-libs ALL -z pack-relative-relocs
LIBS := $(NEWLIB)/lib/libc.a $(EFI_LIB)/libefi.a $(EFI_LIB)/libgnuefi.a \
        $(shell gcc -print-libgcc-file-name)

QEMU_RUN := scripts/qemu-run.sh
# The image is compiled for size (KOPT_SIZE, the image target in docs/bench.md)
# except what every interrupt and every packet runs through (KOPT_SPEED):
# the trap, APIC and posted-interrupt path, IRQ dispatch and IPIs, the
# posted-interrupt benchmark's own loop, hypercalls and the SynIC, the
# event scan and the ring. (The callgrind benchmarks build their own host
# copies; the model is the host, its speed no target.)
SPEED_OVER_SIZE := arch/x86_64/trap.c arch/x86_64/apic.c arch/x86_64/posted_intr.c \
                   kernel/irq.c kernel/ipi.c kernel/bench_pi.c \
                   drivers/hv/hv_hypercall.c drivers/hv/hv_synic.c \
                   drivers/vmbus/vmbus_sief_scan.c drivers/vmbus/vmbus_ring.c
KOPT_SPEED := -O2
KOPT_SIZE := -Oz

# A failed check after a link must not leave the target behind as up to date.
.DELETE_ON_ERROR:

.PHONY: FORCE all deps run run-kvm-hv image test test-host test-kernel test-shapes soak fuzz bench docs trace \
        component-vars print-test-programs clean gdb distclean
all: $(BUILD)/esp/EFI/BOOT/BOOTX64.EFI

deps: $(BUILD)/.deps
$(BUILD)/.deps: scripts/setup-deps.sh
	@bash scripts/setup-deps.sh
	@mkdir -p $(BUILD) && touch $@

$(NEWLIB)/lib/libc.a: | $(BUILD)/.deps
	@bash scripts/build-newlib.sh $(BUILD)/newlib

# The compiler flags are a prerequisite too: a changed KCFLAGS, KOPT_* or
# SPEED_OVER_SIZE rebuilds every kernel object (otherwise objects built
# with the old flags stay and the image is not what a clean build makes).
KFLAGS_STAMP := $(BUILD)/k/.kcflags
KFLAGS_NOW := $(KCFLAGS) | $(BOOT_CFLAGS) | $(KOPT_SPEED) $(SPEED_OVER_SIZE) | $(KOPT_SIZE)
$(KFLAGS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(KFLAGS_NOW)' | cmp -s - $@ 2>/dev/null || echo '$(KFLAGS_NOW)' > $@
FORCE:

$(BUILD)/k/%.o: %.c $(KFLAGS_STAMP) | $(NEWLIB)/lib/libc.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@gcc $(KCFLAGS) $(if $(filter boot/%,$<),$(BOOT_CFLAGS)) $(if $(filter $(SPEED_OVER_SIZE),$<),$(KOPT_SPEED),$(KOPT_SIZE)) -MMD -MP -c $< -o $@

$(BUILD)/k/%.o: %.asm | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@nasm -f elf64 -g -I. -MD $(@:.o=.d) -o $@ $<

$(BUILD)/font.psf: | $(BUILD)/.deps
	@mkdir -p $(BUILD)
	@test -f $(FONT_SRC) || { echo "sinter: $(FONT_SRC) missing (apt-get install console-setup-linux)"; exit 1; }
	@gzip -dc $(FONT_SRC) > $@

# The image carries only the glyphs the console draws (printable ASCII).
$(BUILD)/font-ascii.psf: $(BUILD)/font.psf scripts/psf-ascii.py
	@python3 scripts/psf-ascii.py $< $@

$(BUILD)/k/font.o: $(BUILD)/font-ascii.psf
	@mkdir -p $(dir $@)
	@printf 'section .rodata align=16\nglobal font_psf, font_psf_end\nfont_psf: incbin "%s"\nfont_psf_end:\n' $< > $(BUILD)/font.asm
	@nasm -f elf64 -o $@ $(BUILD)/font.asm

# Two link passes: the first finds every function's address, which becomes
# the embedded symbol table (.ksyms, placed last) of the second. The check
# proves no address moved between the passes.
$(BUILD)/sinter-pass1.so: $(KERNEL_OBJ) $(BUILD)/k/ksyms-empty.o linker.ld
	@echo "  LD      $@"
	@ld $(LDFLAGS_EFI) -o $@ $(EFI_LIB)/crt0-efi-x86_64.o $(KERNEL_OBJ) $(BUILD)/k/ksyms-empty.o $(LIBS)

$(BUILD)/k/ksyms-empty.o:
	@mkdir -p $(dir $@)
	@printf 'section .ksyms align=16\n' > $(BUILD)/ksyms-empty.asm
	@nasm -f elf64 -o $@ $(BUILD)/ksyms-empty.asm

$(BUILD)/k/ksyms.o: $(BUILD)/sinter-pass1.so scripts/mksyms.sh
	@bash scripts/mksyms.sh $< $(BUILD)/ksyms.asm
	@nasm -f elf64 -o $@ $(BUILD)/ksyms.asm

$(BUILD)/sinter.so: $(BUILD)/k/ksyms.o
	@echo "  LD      $@"
	@ld $(LDFLAGS_EFI) -o $@ $(EFI_LIB)/crt0-efi-x86_64.o $(KERNEL_OBJ) $(BUILD)/k/ksyms.o $(LIBS)
	@cmp -s <(nm $(BUILD)/sinter-pass1.so | grep -i ' t ') <(nm $@ | grep -i ' t ') || \
	  { echo "sinter: text symbols moved between link passes"; exit 1; }
	@! readelf -rW $@ | awk '/^[0-9a-f]+ /' | grep -v R_X86_64_RELATIVE || \
	  { echo "sinter: a relocation boot/relocate.c does not apply"; exit 1; }
	@! nm $@ | grep -q ' _dtoa_r$$' || \
	  { echo "sinter: newlib's floating-point printf got linked (lib/printf_integer.c)"; exit 1; }

# The PE image: .bss (NOBITS) becomes a section the loader zero-fills, no
# bytes in the file; --strip-all drops the COFF symbol table (gdb reads
# sinter.so, the backtrace reads .ksyms).
$(BUILD)/sinter.efi: $(BUILD)/sinter.so
	@echo "  OBJCOPY $@"
	@objcopy --strip-all -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .rel -j .rela -j .relr \
	  -j .rel.* -j .rela.* -j .reloc -j .bss --target efi-app-x86_64 --subsystem=10 $< $@
	@echo "  image   $@ $$(stat -c %s $@) bytes"

$(BUILD)/esp/EFI/BOOT/BOOTX64.EFI: $(BUILD)/sinter.efi
	@mkdir -p $(dir $@)
	@cp $< $@

run: all
	@bash $(QEMU_RUN)

# QEMU with KVM's Hyper-V emulation and its VMBus devices, the real backend
# (hv=real). The checker first says whether /dev/kvm works and has the
# Hyper-V capabilities, and why not when it does not.
KVM_HV_CPU := host,hv-vpindex,hv-synic,hv-time,hv-stimer,hv-stimer-direct,hv-frequencies,hv-relaxed,hv-vapic,hv-runtime
KVM_HV_CMDLINE := hv=real test=conformance
$(BUILD)/kvm_hv_check: scripts/kvm_hv_check.c
	@mkdir -p $(dir $@)
	@gcc -std=gnu11 -Wall -Wextra -Werror -O2 $< -o $@

run-kvm-hv: all $(BUILD)/kvm_hv_check
	@$(BUILD)/kvm_hv_check || { echo "run-kvm-hv: not started"; exit 1; }
	@ACCEL=kvm CPU=$(KVM_HV_CPU) CMDLINE="$(or $(CMDLINE),$(KVM_HV_CMDLINE))" \
	  QEMU_ARGS="-device vmbus-bridge -device hv-balloon $(QEMU_ARGS)" bash $(QEMU_RUN)

# A GPT disk (raw, dynamic VHDX, fixed VHD) for a Hyper-V Generation 2 VM;
# see scripts/hyperv/new-sinter-vm.ps1 and docs/hyperv.md. IMAGE_CMDLINE goes
# into CMDLINE.TXT.
IMAGE_CMDLINE ?=
image: all
	@bash scripts/mkimage.sh $(BUILD)/sinter.efi $(BUILD)/sinter.img "$(IMAGE_CMDLINE)"

# In another terminal than `make run CMDLINE="gdb=wait ..."`: gdb with the
# symbols at the right base, the kernel released (GDB_ARGS go to gdb).
gdb:
	@BUILD=$(BUILD) bash scripts/gdb-attach.sh $(GDB_ARGS)

# ---- host tests (hardware-free code, Linux, ASan + UBSan) ----
HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined -fno-omit-frame-pointer -I. -DSINTER_HOST
HOST_TESTS :=
FUZZ_TARGETS :=
include tests/components.mk
include $(wildcard tests/host/*.mk)
include $(wildcard tests/fuzz/*.mk)
HOST_BINS := $(addprefix $(BUILD)/host/,$(HOST_TESTS))

# Host and fuzz programs build from objects, one per source, each with its
# header dependencies (-MMD -MP, as the kernel build): touching a header
# rebuilds every object that includes it and every program linking those
# (tests/build_deps_test.sh proves it). Objects are shared between
# programs: one flag set per kind.
HOST_OBJ_DIR := $(BUILD)/host/obj
FUZZ_OBJ_DIR := $(BUILD)/fuzz/obj
host_objs = $(patsubst %.c,$(HOST_OBJ_DIR)/%.o,$(1))
fuzz_objs = $(patsubst %.c,$(FUZZ_OBJ_DIR)/%.o,$(1))

$(HOST_OBJ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

define host_test_rule
$(BUILD)/host/$(1): $$(call host_objs,$$($(1)_SRCS) tests/host/check.c tests/host/host_log.c)
	@echo "  HOSTCC  $$@"
	@$(HOST_CC) $(HOST_CFLAGS) $$^ -o $$@
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -I. -DSINTER_HOST -DSINTER_FUZZ
$(FUZZ_OBJ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

define fuzz_rule
$(BUILD)/fuzz/$(1): $$(call fuzz_objs,$$($(1)_FUZZ_SRCS) tests/host/host_log.c)
	@echo "  FUZZCC  $$@"
	@clang $(FUZZ_CFLAGS) $$^ -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))
-include $(shell find $(HOST_OBJ_DIR) $(FUZZ_OBJ_DIR) -name '*.d' 2>/dev/null)

FUZZ_BINS := $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

test-host: $(BUILD)/.deps $(HOST_BINS) $(FUZZ_BINS) $(BUILD)/kvm_hv_check $(BUILD)/font.psf $(BUILD)/font-ascii.psf
	@PARTS=build,host,fuzz,scripts,docs bash tests/run-all.sh $(BUILD) "$(HOST_TESTS)" "$(FUZZ_TARGETS)"

# Both build the disk images first: the image checks read them and one QEMU
# job boots build/sinter.vhdx, the file a Hyper-V user copies.
test-kernel: $(BUILD)/.deps
	@$(MAKE) --no-print-directory image
	@PARTS=image,qemu IMAGE_CMDLINE="$(IMAGE_CMDLINE)" bash tests/run-all.sh $(BUILD) "" ""

test: $(BUILD)/.deps
	@$(MAKE) --no-print-directory image $(HOST_BINS) $(FUZZ_BINS) $(BUILD)/kvm_hv_check
	@IMAGE_CMDLINE="$(IMAGE_CMDLINE)" bash tests/run-all.sh $(BUILD) "$(HOST_TESTS)" "$(FUZZ_TARGETS)"

# The in-kernel suite on the wide matrix of machine shapes
# (tests/qemu/shapes.sh: SMP 1..16, six CPU models, q35 and pc, 48M..4G).
test-shapes: $(BUILD)/.deps
	@$(MAKE) --no-print-directory all
	@RESULTS=$(BUILD)/shape-results SHAPES=$${SHAPES:-wide} SCENARIOS=0 PARTS=qemu \
	  bash tests/run-all.sh $(BUILD) "" ""

# make test REPEAT times (default 5) with a CPU hog on the host (HOG=0: none);
# prints which test failed in which run. A flake found this way is a bug.
REPEAT ?= 5
soak: $(BUILD)/.deps
	@$(MAKE) --no-print-directory image $(HOST_BINS) $(FUZZ_BINS) $(BUILD)/kvm_hv_check
	@REPEAT=$(REPEAT) bash tests/soak.sh $(BUILD) "$(HOST_TESTS)" "$(FUZZ_TARGETS)"

# Long fuzz runs: FUZZ_TIME seconds per target (default 60), or FUZZ_RUNS
# executions per target (e.g. FUZZ_RUNS=10000000), the corpus kept
# and grown under $(BUILD)/fuzz-corpus/<target>, crashes in $(BUILD)/fuzz-crashes.
FUZZ_TIME ?= 60
fuzz: $(FUZZ_BINS)
	@FUZZ_TIME=$(FUZZ_TIME) FUZZ_RUNS=$(FUZZ_RUNS) bash tests/fuzz/run-long.sh $(BUILD) "$(FUZZ_TARGETS)"

# "name: sources" of every host test and fuzz target (tests/build_deps_test.sh).
print-test-programs:
	@$(foreach t,$(HOST_TESTS),echo "$(BUILD)/host/$(t): $($(t)_SRCS) tests/host/check.c tests/host/host_log.c";)
	@$(foreach t,$(FUZZ_TARGETS),echo "$(BUILD)/fuzz/$(t): $($(t)_FUZZ_SRCS) tests/host/host_log.c";)

bench: all
	@$(foreach v,$(COMPONENT_VARS),$(v)='$($(v))') bash tests/bench/run.sh $(BUILD)

# Diagrams from their Graphviz sources, committed next to them.
DIAGRAMS := $(patsubst %.dot,%.svg,$(wildcard docs/lessons/diagrams/*.dot))
docs: $(BUILD)/.deps $(DIAGRAMS)
docs/lessons/diagrams/%.svg: docs/lessons/diagrams/%.dot
	@command -v dot > /dev/null || { echo "sinter: dot missing (apt-get install graphviz)"; exit 1; }
	@echo "  DOT     $@"
	@dot -Tsvg $< -o $@

trace: all
	@bash scripts/make-trace.sh

# The component source lists as shell assignments (tests/bench/run.sh reads
# them when it is run by hand).
component-vars:
	@$(foreach v,$(COMPONENT_VARS),echo "$(v)='$($(v))'";)

clean:
	rm -rf $(BUILD)/k $(BUILD)/host $(BUILD)/fuzz $(BUILD)/*.so $(BUILD)/*.efi $(BUILD)/esp $(BUILD)/*.asm

distclean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/k -name '*.d' 2>/dev/null)

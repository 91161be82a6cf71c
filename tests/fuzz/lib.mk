# libFuzzer targets of hardware-free kernel code in lib/ that parses what the
# firmware hands over (ACPI tables).
FUZZ_TARGETS += madt
madt_FUZZ_SRCS := tests/fuzz/madt_fuzz.c lib/madt.c

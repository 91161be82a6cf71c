# libFuzzer target of the console's line editor and parser (lib/shell).
FUZZ_TARGETS += shell
shell_FUZZ_SRCS := tests/fuzz/shell_fuzz.c tests/host/shell_term.c $(SHELL_LIB_SRCS)

HOST_TESTS += lib_shell
lib_shell_SRCS := tests/host/lib_shell_test.c tests/host/shell_term.c $(SHELL_LIB_SRCS)

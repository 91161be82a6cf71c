# libFuzzer target of the Dynamic Memory guest driver's message handling
# (drivers/dm/dm_msg.c); component list in tests/components.mk.
FUZZ_TARGETS += dm
dm_FUZZ_SRCS := tests/fuzz/dm_fuzz.c tests/host/dm_fake_pool.c $(GUEST_DM_SRCS)

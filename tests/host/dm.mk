# Host test of the Dynamic Memory guest driver's message handling
# (drivers/dm/dm_msg.c) over a fake page pool; component list in
# tests/components.mk.
HOST_TESTS += dm_guest
dm_guest_SRCS := tests/host/dm_guest_test.c tests/host/dm_fake_pool.c $(GUEST_DM_SRCS)

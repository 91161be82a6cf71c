HOST_TESTS += lib_bitmap lib_cmdline lib_x86_desc lib_psf lib_refuse
lib_bitmap_SRCS := tests/host/lib_bitmap_test.c lib/bitmap.c
lib_cmdline_SRCS := tests/host/lib_cmdline_test.c lib/cmdline.c lib/glob.c
lib_x86_desc_SRCS := tests/host/lib_x86_desc_test.c lib/x86_desc.c
lib_psf_SRCS := tests/host/lib_psf_test.c drivers/console/psf.c
lib_refuse_SRCS := tests/host/lib_refuse_test.c
HOST_TESTS += lib_madt
lib_madt_SRCS := tests/host/lib_madt_test.c lib/madt.c

#include "tests/host/check.h"
int check_failed_in_test;
int check_total_failed;

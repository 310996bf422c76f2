build-check/tests/unit/test_args.o: tests/unit/test_args.c \
 tests/unit/../../tui/tether.h common/common.h
tests/unit/../../tui/tether.h:
common/common.h:

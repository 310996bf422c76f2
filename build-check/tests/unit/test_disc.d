build-check/tests/unit/test_disc.o: tests/unit/test_disc.c \
 common/common.h
common/common.h:

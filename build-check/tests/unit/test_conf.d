build-check/tests/unit/test_conf.o: tests/unit/test_conf.c \
 common/common.h
common/common.h:

build-check/tests/unit/test_wire.o: tests/unit/test_wire.c \
 common/common.h
common/common.h:

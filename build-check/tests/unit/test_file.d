build-check/tests/unit/test_file.o: tests/unit/test_file.c \
 common/common.h
common/common.h:

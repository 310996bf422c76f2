build-check/tests/yget.o: tests/yget.c common/common.h
common/common.h:

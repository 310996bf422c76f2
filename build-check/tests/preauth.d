build-check/tests/preauth.o: tests/preauth.c common/common.h
common/common.h:

build-check/tests/unit/test_kdf.o: tests/unit/test_kdf.c common/common.h
common/common.h:

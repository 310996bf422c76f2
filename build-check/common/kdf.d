build-check/common/kdf.o: common/kdf.c common/common.h
common/common.h:

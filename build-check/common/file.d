build-check/common/file.o: common/file.c common/common.h
common/common.h:

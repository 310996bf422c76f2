build-check/common/xmalloc.o: common/xmalloc.c common/common.h
common/common.h:

build-check/common/conf.o: common/conf.c common/common.h
common/common.h:

build-check/common/net.o: common/net.c common/common.h
common/common.h:

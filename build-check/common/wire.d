build-check/common/wire.o: common/wire.c common/common.h
common/common.h:

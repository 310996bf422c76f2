build-check/common/discmsg.o: common/discmsg.c common/common.h
common/common.h:

build-check/common/ticket.o: common/ticket.c common/common.h
common/common.h:

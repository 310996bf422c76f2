build-check/tests/unit/test_ticket.o: tests/unit/test_ticket.c \
 common/common.h
common/common.h:

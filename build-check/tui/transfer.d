build-check/tui/transfer.o: tui/transfer.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

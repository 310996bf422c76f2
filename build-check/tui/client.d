build-check/tui/client.o: tui/client.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

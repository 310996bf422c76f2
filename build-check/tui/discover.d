build-check/tui/discover.o: tui/discover.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

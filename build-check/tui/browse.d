build-check/tui/browse.o: tui/browse.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

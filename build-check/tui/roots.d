build-check/tui/roots.o: tui/roots.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

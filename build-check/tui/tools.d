build-check/tui/tools.o: tui/tools.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

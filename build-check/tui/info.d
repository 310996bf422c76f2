build-check/tui/info.o: tui/info.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

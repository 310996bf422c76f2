build-check/tui/console.o: tui/console.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

build-check/tui/main.o: tui/main.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

build-check/tui/menu.o: tui/menu.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

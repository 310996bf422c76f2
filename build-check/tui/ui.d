build-check/tui/ui.o: tui/ui.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

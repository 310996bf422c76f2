build-check/tui/probe.o: tui/probe.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

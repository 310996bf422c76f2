build-check/tui/args.o: tui/args.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

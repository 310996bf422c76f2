build-check/tui/keycache.o: tui/keycache.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

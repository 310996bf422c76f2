build-check/tui/cand.o: tui/cand.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

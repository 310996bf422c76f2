build-check/tui/form.o: tui/form.c tui/tether.h common/common.h
tui/tether.h:
common/common.h:

/work/wt/tui/build-check/tui/pane.o: tui/pane.c tui/tether.h \
 common/common.h
tui/tether.h:
common/common.h:

build-check/tui/snapview.o: tui/snapview.c /usr/include/libpng16/png.h \
 /usr/include/libpng16/pnglibconf.h /usr/include/libpng16/pngconf.h \
 tui/tether.h common/common.h
/usr/include/libpng16/png.h:
/usr/include/libpng16/pnglibconf.h:
/usr/include/libpng16/pngconf.h:
tui/tether.h:
common/common.h:

build-check/tests/unit/test_snap.o: tests/unit/test_snap.c \
 /usr/include/libpng16/png.h /usr/include/libpng16/pnglibconf.h \
 /usr/include/libpng16/pngconf.h tests/unit/../../agentd/tetherd.h \
 common/common.h
/usr/include/libpng16/png.h:
/usr/include/libpng16/pnglibconf.h:
/usr/include/libpng16/pngconf.h:
tests/unit/../../agentd/tetherd.h:
common/common.h:

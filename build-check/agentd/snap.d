build-check/agentd/snap.o: agentd/snap.c /usr/include/libpng16/png.h \
 /usr/include/libpng16/pnglibconf.h /usr/include/libpng16/pngconf.h \
 agentd/tetherd.h common/common.h
/usr/include/libpng16/png.h:
/usr/include/libpng16/pnglibconf.h:
/usr/include/libpng16/pngconf.h:
agentd/tetherd.h:
common/common.h:

build-check/agentd/keyboard.o: agentd/keyboard.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

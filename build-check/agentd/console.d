build-check/agentd/console.o: agentd/console.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

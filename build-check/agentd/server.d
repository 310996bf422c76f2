build-check/agentd/server.o: agentd/server.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

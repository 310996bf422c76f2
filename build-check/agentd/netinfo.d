build-check/agentd/netinfo.o: agentd/netinfo.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

build-check/agentd/config.o: agentd/config.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

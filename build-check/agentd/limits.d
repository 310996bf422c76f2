build-check/agentd/limits.o: agentd/limits.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

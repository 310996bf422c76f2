build-check/agentd/tools.o: agentd/tools.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

build-check/agentd/root.o: agentd/root.c agentd/tetherd.h common/common.h
agentd/tetherd.h:
common/common.h:

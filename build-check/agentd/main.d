build-check/agentd/main.o: agentd/main.c agentd/tetherd.h common/common.h
agentd/tetherd.h:
common/common.h:

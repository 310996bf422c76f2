build-check/agentd/disc.o: agentd/disc.c agentd/tetherd.h common/common.h
agentd/tetherd.h:
common/common.h:

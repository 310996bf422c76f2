build-check/agentd/auth.o: agentd/auth.c agentd/tetherd.h common/common.h
agentd/tetherd.h:
common/common.h:

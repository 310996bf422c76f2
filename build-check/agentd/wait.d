build-check/agentd/wait.o: agentd/wait.c agentd/tetherd.h common/common.h
agentd/tetherd.h:
common/common.h:

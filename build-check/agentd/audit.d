build-check/agentd/audit.o: agentd/audit.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

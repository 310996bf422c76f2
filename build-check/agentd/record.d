build-check/agentd/record.o: agentd/record.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

build-check/agentd/mountlog.o: agentd/mountlog.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

build-check/agentd/drivers.o: agentd/drivers.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

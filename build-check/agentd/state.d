build-check/agentd/state.o: agentd/state.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

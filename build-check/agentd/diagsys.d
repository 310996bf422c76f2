build-check/agentd/diagsys.o: agentd/diagsys.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

build-check/agentd/diagboot.o: agentd/diagboot.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

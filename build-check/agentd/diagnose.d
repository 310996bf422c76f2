build-check/agentd/diagnose.o: agentd/diagnose.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

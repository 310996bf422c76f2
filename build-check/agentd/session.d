build-check/agentd/session.o: agentd/session.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

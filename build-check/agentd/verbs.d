build-check/agentd/verbs.o: agentd/verbs.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

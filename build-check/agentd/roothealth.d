build-check/agentd/roothealth.o: agentd/roothealth.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

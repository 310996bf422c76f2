build-check/agentd/rootscan.o: agentd/rootscan.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

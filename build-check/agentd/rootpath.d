build-check/agentd/rootpath.o: agentd/rootpath.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

build-check/agentd/rootfile.o: agentd/rootfile.c agentd/tetherd.h \
 common/common.h
agentd/tetherd.h:
common/common.h:

build-check/tests/unit/test_root.o: tests/unit/test_root.c \
 tests/unit/../../agentd/tetherd.h common/common.h
tests/unit/../../agentd/tetherd.h:
common/common.h:

build-check/tests/unit/test_drivers.o: tests/unit/test_drivers.c \
 tests/unit/../../agentd/tetherd.h common/common.h
tests/unit/../../agentd/tetherd.h:
common/common.h:

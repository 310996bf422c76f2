build-check/tests/unit/test_diag.o: tests/unit/test_diag.c \
 tests/unit/../../agentd/tetherd.h common/common.h
tests/unit/../../agentd/tetherd.h:
common/common.h:

build-check/tests/unit/test_keyboard.o: tests/unit/test_keyboard.c \
 tests/unit/../../agentd/tetherd.h common/common.h
tests/unit/../../agentd/tetherd.h:
common/common.h:

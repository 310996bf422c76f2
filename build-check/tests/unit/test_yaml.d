build-check/tests/unit/test_yaml.o: tests/unit/test_yaml.c \
 common/common.h
common/common.h:

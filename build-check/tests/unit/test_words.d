build-check/tests/unit/test_words.o: tests/unit/test_words.c \
 common/common.h
common/common.h:

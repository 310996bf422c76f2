build-check/common/words.o: common/words.c common/common.h
common/common.h:

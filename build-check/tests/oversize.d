build-check/tests/oversize.o: tests/oversize.c

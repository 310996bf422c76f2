build-check/common/yaml.o: common/yaml.c common/common.h
common/common.h:

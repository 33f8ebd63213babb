# A convenience: every target runs a script that also works without make.
CC ?= cc
.PHONY: all test demo tool clean
all: tool
tool:
	mkdir -p build && $(CC) -O3 -I. -I/usr/include/stb tools/batchtune.c -o build/batchtune -lm -pthread
test:
	bash tests/run.sh
demo:
	bash tools/demo.sh
clean:
	rm -rf build demo-out

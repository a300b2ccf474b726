# Chatlings: the three promises of the README live here.
#   make run    install what is missing, build, start PostgreSQL + Redis under var/, migrate, seed, serve
#   make test   the whole suite (unit + black-box) under ASan + UBSan, on its own private stack
#   make bench  the performance table
.PHONY: all build asan run stop test bench soak fuzz clean deps dist

all: build

deps:
	scripts/deps.sh

build:
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build build/release -j2 --target chatlings

asan:
	cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCHATLINGS_SANITIZE=ON >/dev/null
	cmake --build build/asan -j2

run:
	scripts/run.sh

stop:
	scripts/stop.sh

test:
	scripts/test.sh

bench:
	@bench/run.sh

# SOAK_MINUTES (30) of mixed traffic: zero 5xx, RSS per minute, p99 per 5-minute window
soak:
	scripts/soak.sh

fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

# release tarball build/dist/chatlings-VERSION.tar.gz (binary, migrations, web/dist, deploy/, docs)
dist:
	scripts/dist.sh

clean:
	rm -rf build

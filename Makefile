# Echo — the two commands of the README, and the benchmarks.
#   make demo    set up, build, and run the main job end to end
#   make test    set up, build, and pass every test
#   make bench   set up the Python peers and print the benchmarks (never run by CI)

SWIFT ?= swift
ECHOCTL = .build/release/echoctl

FUZZ_SECONDS ?= 60

.PHONY: setup weights build demo test fuzz bench bench-tools bench-index bench-embed bench-store bench-vision bench-texture bench-eval bench-audit bench-mmad-score bench-inspect bench-crash bench-service bench-cluster bench-ingest bench-ingest-memory test-asan test-tsan clean

setup:
	@scripts/setup.sh

weights:
	@scripts/setup.sh --weights

build: weights
	$(SWIFT) build -c release --product echoctl

demo: build
	@scripts/setup.sh --demo
	@scripts/demo.sh $(ECHOCTL)

# The PostgreSQL tests run against a throwaway cluster that scripts/with-postgres.sh starts and stops.
# The console's browser test drives Debian's chromium; its screenshots land in .build/test-artefacts.
test: weights
	@scripts/setup.sh --postgres --browser
	$(SWIFT) build --build-tests
	ECHO_TEST_ARTEFACTS=$(CURDIR)/.build/test-artefacts scripts/with-postgres.sh $(SWIFT) test --skip-build

# The whole suite (PostgreSQL included) built and run under AddressSanitizer, then under
# ThreadSanitizer, each in a build directory of its own; not in CI (slow).
SANITIZED_TEST = $(SWIFT) build --build-tests --scratch-path .build/$(1) -Xswiftc -sanitize=$(2) -Xcc -fsanitize=$(2) -Xcxx -fsanitize=$(2) && \
	scripts/with-postgres.sh $(SWIFT) test --skip-build --scratch-path .build/$(1)

test-asan: weights
	@scripts/setup.sh --postgres
	ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 $(call SANITIZED_TEST,asan,address)

test-tsan: weights
	@scripts/setup.sh --postgres
	TSAN_OPTIONS=halt_on_error=0:report_signal_unsafe=0:suppressions=$(CURDIR)/scripts/tsan.supp $(call SANITIZED_TEST,tsan,thread)

# libFuzzer (with ASan and UBSan) over every parser of outside bytes, FUZZ_SECONDS per harness;
# not part of `make test` (too slow), its crash inputs are (Tests/Fuzz/Regressions).
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

bench: bench-index bench-embed bench-store bench-vision bench-texture bench-eval bench-audit bench-mmad-score bench-inspect bench-crash bench-service bench-cluster bench-ingest bench-ingest-memory

bench-tools: weights
	@scripts/setup.sh --bench
	$(SWIFT) build -c release --product echo-bench

bench-index: bench-tools
	python3 bench/index_bench.py --bench-binary .build/release/echo-bench

bench-embed: bench-tools
	python3 bench/embed_bench.py --bench-binary .build/release/echo-bench

bench-store: bench-tools
	python3 bench/store_bench.py --bench-binary .build/release/echo-bench

bench-texture: build
	@scripts/setup.sh --bench
	python3 bench/texture_bench.py --echoctl $(ECHOCTL)

bench-eval: build
	@scripts/setup.sh --bench
	python3 bench/eval_metrics_check.py --echoctl $(ECHOCTL)

bench-inspect: bench-tools build
	python3 bench/inspect_bench.py --echoctl $(ECHOCTL) --bench-binary .build/release/echo-bench

bench-crash: build
	$(SWIFT) build -c release --product echo-test-writer
	python3 bench/crash_bench.py --echoctl $(ECHOCTL) --writer .build/release/echo-test-writer

bench-service: bench-tools build
	python3 bench/service_bench.py --echoctl $(ECHOCTL) --bench .build/release/echo-bench

# SQLite against PostgreSQL and 1-3 nodes on one database (a throwaway PostgreSQL cluster).
bench-cluster: bench-tools build
	@scripts/setup.sh --postgres
	scripts/with-postgres.sh python3 bench/cluster_bench.py --echoctl $(ECHOCTL) --bench .build/release/echo-bench

# echoctl ingest against a PIL + onnxruntime + faiss-cpu + sqlite3 peer, whole programs.
bench-ingest: build
	@scripts/setup.sh --bench
	python3 bench/ingest_bench.py --echoctl $(ECHOCTL)

# Peak RSS of one ingest of 32, 1,000 and 10,000 images (memory must stay bounded).
bench-ingest-memory: build
	@scripts/setup.sh --bench
	python3 bench/ingest_memory_bench.py --echoctl $(ECHOCTL)

bench-audit: build
	@scripts/setup.sh --bench
	python3 bench/golden_set_bench.py --echoctl $(ECHOCTL)

# MMAD's own scorer (summary.py) beside `echoctl eval mmad-score`; MMAD_REPO=checkout, else it clones jam-cc/MMAD.
bench-mmad-score: build
	@scripts/setup.sh --bench
	python3 bench/mmad_score_check.py --echoctl $(ECHOCTL) $(if $(MMAD_REPO),--mmad-repo $(MMAD_REPO))

bench-vision: build
	@scripts/setup.sh --bench
	python3 bench/vision_bench.py --echoctl $(ECHOCTL)
	python3 bench/vision_bench.py --echoctl $(ECHOCTL) --coreset 0.01

clean:
	rm -rf .build bench/out

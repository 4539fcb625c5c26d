# Zajoni's tasks. `make demo` runs the main job locally; `make test` runs every test.
# Both install what they need first (Debian packages as root, then npm packages).

SHELL := /bin/bash
# npm's `node` package puts Node 24 in node_modules/.bin; it must win over the system's Node.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

# chromium: the console's end-to-end test drives it through playwright-core.
DEBIAN_PACKAGES := postfix dnsmasq-base swaks nats-server postgresql chromium
NPM_STAMP := node_modules/.installed

.PHONY: all deps debian-deps console demo up test test-unit test-integration chart-check lint \
	typecheck format clean bench bench-quick

all: test

deps: debian-deps $(NPM_STAMP)

# Postfix is installed unconfigured: Zajoni runs private instances with their own config.
debian-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The web console (api/web), built by Vite into api/web/dist, which the API serves.
CONSOLE_DIST := api/web/dist/index.html
CONSOLE_SOURCES := $(shell find api/web/src -type f 2>/dev/null) api/web/index.html api/web/vite.config.ts

console: $(CONSOLE_DIST)

$(CONSOLE_DIST): $(NPM_STAMP) $(CONSOLE_SOURCES)
	vite build api/web --logLevel warn

demo: deps console
	node --import tsx scripts/demo.ts

# One node process (no tsx wrapper), so Ctrl-C reaches the script once and it stops the stack.
up: deps console
	node --import tsx scripts/up.ts

test: deps typecheck lint test-unit test-integration

test-unit: $(NPM_STAMP)
	tsx --test 'shared/src/**/*.test.ts' 'relay/src/**/*.test.ts' 'api/src/**/*.test.ts' \
	  'operator/src/**/*.test.ts' 'api/web/src/**/*.test.ts'

test-integration: deps console
	tsx --test --test-concurrency=1 --test-timeout=300000 'test/**/*.test.ts'

# Zajoni side by side with Postfix (see README, Benchmarks); results in bench/results/.
bench: deps
	node --import tsx bench/run.ts

# Small counts, no scaling runs: about a minute.
bench-quick: deps
	node --import tsx bench/run.ts --quick

# The Helm chart and the Dockerfile alone (also part of test-integration); needs no Debian packages.
chart-check: $(NPM_STAMP)
	tsx --test test/helm-chart.test.ts test/container-image.test.ts

# The console has its own tsconfig (DOM, JSX); both are checked.
typecheck: $(NPM_STAMP)
	tsc --noEmit
	tsc --noEmit -p api/web

lint: $(NPM_STAMP)
	eslint .
	prettier --check .

format: $(NPM_STAMP)
	prettier --write .

clean:
	rm -rf .zajoni api/web/dist

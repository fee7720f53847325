# The two commands a newcomer needs:  make demo   and   make test
# Both set everything up on a fresh machine with only python3 and make.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
EXTRAS ?= test
comma  := ,
STAMP  := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: demo test bench images venv system-deps clean site

demo: venv system-deps
	$(BIN)/deltagrad demo

test: venv system-deps
	$(BIN)/python -m pytest -p no:cacheprovider --nbmake

bench: venv
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m bench

images: venv system-deps
	$(BIN)/python docs/make_images.py

# The playground: deltagrad in the browser, a static folder site/ (git-ignored) served by
# any static host, e.g. python -m http.server -d site 8000. Node.js and npm are needed to
# build it (npm ci from playground/package-lock.json), never to use it.
site:
	$(PYTHON) playground/build.py --out site

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[$(EXTRAS)]'
	touch $@

# Graphviz's `dot` program draws the pictures. Installed here when we can
# (Debian/Ubuntu as root); otherwise the tests that need it skip and say why.
system-deps:
	@command -v dot >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq graphviz >/dev/null) \
	      || echo "note: could not install graphviz; rendering tests will skip"; \
	  else \
	    echo "note: Graphviz 'dot' not found; install it (apt install graphviz / brew install graphviz / conda install graphviz) to render pictures"; \
	  fi; }

clean:
	rm -rf $(VENV) out build *.egg-info

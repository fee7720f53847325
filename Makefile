# The two commands a newcomer needs:  make demo   and   make test
# Both set everything up on a fresh machine with only python3 and make.
#
#   make demo   the light install: the package with pytest, Jupyter's kernel and matplotlib
#               (the `test` extra); nothing heavy.
#   make test   everything the full suite uses, so that it skips nothing it could run:
#               the oracle PyTorch 2.13.0 (CPU; pinned exactly, so pip takes the CPU file where
#               the machine has one and never a newer CUDA build), scikit-learn (the digits set),
#               playwright (the browser test's client; it drives the system Chromium, and never
#               downloads a browser), the WebAssembly Graphviz fallback and otter-grader (the
#               grading extra: a test grades an exercise with otter itself); and, as root on
#               Debian/Ubuntu, Graphviz's `dot`, a minimal TeX Live (the handouts' PDFs),
#               Chromium, and Node.js with npm (the playground's test builds the site with them).
#   make fuzz   the fuzz tests (readers and parsers) with 10,000 inputs a target.

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
DEMO_EXTRAS := test
TEST_EXTRAS := test,torch,digits,browser,wasm,grading,site
EXTRAS      ?= $(DEMO_EXTRAS)
comma       := ,
STAMP        = $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
PYTEST      := $(BIN)/python -m pytest -p no:cacheprovider --nbmake

.PHONY: demo test fuzz bench images venv system-deps browser-deps clean site

demo: system-deps
	@$(MAKE) --no-print-directory venv EXTRAS=$(DEMO_EXTRAS)
	$(BIN)/deltagrad demo

test: system-deps browser-deps
	@$(MAKE) --no-print-directory venv EXTRAS=$(TEST_EXTRAS)
	$(PYTEST)

# Fuzzing: every reader and parser (tests marked `fuzz`) with 10,000 hostile inputs each;
# `make test` runs the same tests with 150. The summary lists each target's slowest inputs.
fuzz:
	@$(MAKE) --no-print-directory venv EXTRAS=$(TEST_EXTRAS)
	DELTAGRAD_FUZZ=full $(BIN)/python -m pytest -p no:cacheprovider -m fuzz tests

bench:
	@$(MAKE) --no-print-directory venv EXTRAS=$(DEMO_EXTRAS),bench
	$(BIN)/python -m bench

images: system-deps browser-deps
	@$(MAKE) --no-print-directory venv EXTRAS=$(DEMO_EXTRAS),browser
	$(BIN)/python docs/make_images.py

# The playground and the course: deltagrad in the browser, a static folder site/ (git-ignored)
# served by any static host, e.g. python -m http.server -d site 8000: the playground at /,
# the notebooks as pages at /course/ (run first, in the venv's kernel). Node.js and npm are
# needed to build it (npm ci from playground/package-lock.json), never to use it.
site: system-deps
	@$(MAKE) --no-print-directory venv EXTRAS=$(DEMO_EXTRAS),site
	$(BIN)/python playground/build.py --out site
	$(BIN)/python playground/course.py --out site

venv: $(STAMP)

# One stamp per set of extras: `make test` after `make demo` installs only what is missing.
$(VENV)/.installed-%: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[$(EXTRAS)]'
	touch $@

# Graphviz's `dot` program draws the pictures; pdflatex (a minimal TeX Live: base,
# recommended and pictures for TikZ, about 250 MB and a minute to install) compiles the
# handouts' PDFs, and poppler's pdfinfo/pdftoppm read them back in the tests. Installed
# here when we can (Debian/Ubuntu as root); otherwise the tests that need them skip and say why.
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-pictures poppler-utils
system-deps:
	@command -v dot >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
	      || echo "note: could not install graphviz; rendering tests will skip"; \
	  else \
	    echo "note: Graphviz 'dot' not found; install it (apt install graphviz / brew install graphviz / conda install graphviz) to render pictures"; \
	  fi; }
	@command -v pdflatex >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $(TEX_PACKAGES) >/dev/null) || echo "note: could not install TeX Live; the handout PDF tests will skip"; \
	  else \
	    echo "note: pdflatex not found; install TeX Live ($(TEX_PACKAGES), or MacTeX / MiKTeX) to compile handout PDFs"; \
	  fi; }

# The browser tests drive the system's Chromium at /usr/bin/chromium through playwright;
# the playground's test builds the site first, which needs Node.js and npm. Installed here
# when we can (Debian/Ubuntu as root); otherwise those tests skip and say why.
browser-deps:
	@need=""; [ -x /usr/bin/chromium ] || need="chromium"; \
	command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || need="$$need nodejs npm"; \
	[ -z "$$need" ] || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null) \
	      || echo "note: could not install$$need; the browser tests will skip"; \
	  else \
	    echo "note: not found:$$need (apt install chromium nodejs npm); the browser tests will skip"; \
	  fi; }

clean:
	rm -rf $(VENV) out build *.egg-info

# hardneg: PostgreSQL extension for hard-negative mining, exact/ANN search and
# trec_eval-identical metrics.  Built with PGXS.
#
#   make            build hardneg.so and the install script
#   make install    install into the PostgreSQL that pg_config names
#   make test       install missing packages, build, and run pg_regress + pgTAP
#                   in a throwaway cluster (test/run.sh)
#   make test-asan HN_PG_PREFIX=/path  the suite against a PostgreSQL built with
#                   ASan+UBSan (test/asan.sh; docs/reliability.md)
#   make demo       the same setup, then a walk through the product (demo/run.sh)
#   make demo-stop  stop and remove the demo cluster
#
# Layout conventions (docs/architecture.md):
#   src/**.c          C sources, one concern per file; all are linked
#   src/sql/NN_*.sql  fragments of the install script, concatenated in name order
#   sql/*.sql         pg_regress inputs, expected/*.out their outputs
#   test/*.sql        pgTAP suites, run by pg_prove

EXTENSION = hardneg
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" hardneg.control)

MODULE_big = hardneg
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))

SQL_FRAGMENTS = $(sort $(wildcard src/sql/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
DATA = $(wildcard sql/upgrade/$(EXTENSION)--*--*.sql)

REGRESS = $(sort $(basename $(notdir $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
# -Werror is not set: PostgreSQL headers of other versions may warn.
# -MMD -MP: objects depend on the headers they include, so a changed struct
# never leaves a stale object behind (PGXS tracks only .c files).
PG_CPPFLAGS = -I$(srcdir)/src -std=gnu99 -Wall -Wmissing-prototypes -MMD -MP
# No JIT bitcode: it would compile every file twice and race on the .d files.
override with_llvm = no
SHLIB_LINK = -lopenblas -lm

EXTRA_CLEAN = $(DATA_built) results regression.diffs regression.out

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)
EXTRA_CLEAN += $(OBJS:.o=.d)

# Adding or removing a source or fragment must rebuild the library and the
# install script even when no remaining file is newer: track the lists.
SOURCES_STAMP := .build/sources.list
$(shell mkdir -p .build; echo '$(OBJS) $(SQL_FRAGMENTS)' | cmp -s - $(SOURCES_STAMP) || echo '$(OBJS) $(SQL_FRAGMENTS)' > $(SOURCES_STAMP))
$(shlib): $(SOURCES_STAMP)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_FRAGMENTS) hardneg.control $(SOURCES_STAMP)
	@echo "-- hardneg $(EXTVERSION): generated from src/sql/*.sql by make; edit those files." > $@
	@printf '%s\n' '\echo Use "CREATE EXTENSION hardneg" to load this file. \quit' >> $@
	cat $(SQL_FRAGMENTS) >> $@

.PHONY: test demo demo-stop dist
test:
	bash test/run.sh

.PHONY: test-asan
test-asan:
	bash test/asan.sh $(HN_PG_PREFIX)

demo:
	bash demo/run.sh

demo-stop:
	bash demo/run.sh --stop

dist:
	git archive --format zip --prefix=$(EXTENSION)-$(EXTVERSION)/ -o $(EXTENSION)-$(EXTVERSION).zip HEAD

# The real libfdt (dtc's, as carried by Linux 6.1 in scripts/dtc/libfdt), extracted
# from Debian's linux-source-6.1 tarball into $(KEEL_CACHE). Never copied into the repo.
#
# Provides: LIBFDT_SRC_DIR, LIBFDT_SRCS, LIBFDT_CFLAGS, LIBFDT_EXTRA_CFLAGS, $(LIBFDT_STAMP).
#
# The extraction is keyed by the tarball's size and mtime: a new linux-source
# package re-extracts. Upstream's libfdt_env.h (hosted: <stdlib.h>, <string.h>)
# is renamed away, because libfdt includes it as "libfdt_env.h", which the
# compiler looks up in the including file's own directory before any -I; with
# it gone, libfdt/libfdt_env.h of this repo (freestanding) is the one found.

LIBFDT_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
LIBFDT_KEY := $(shell stat -L -c '%s-%Y' $(LIBFDT_TARBALL) 2>/dev/null || echo missing)
LIBFDT_DIR := $(KEEL_CACHE)/libfdt-6.1
LIBFDT_SRC_DIR := $(LIBFDT_DIR)/src
LIBFDT_STAMP := $(LIBFDT_DIR)/stamp-$(LIBFDT_KEY)

LIBFDT_SRCS := $(addprefix $(LIBFDT_SRC_DIR)/,fdt.c fdt_ro.c fdt_rw.c fdt_wip.c fdt_strerror.c \
	fdt_sw.c fdt_addresses.c)
# Our adapter first, then libfdt's own headers for <libfdt.h> and <fdt.h>.
LIBFDT_CFLAGS := -I$(TOP)/libfdt -I$(LIBFDT_SRC_DIR)
# Relaxations for libfdt's own sources only: none needed with GCC 12 (-Wall -Wextra clean).
LIBFDT_EXTRA_CFLAGS :=

$(LIBFDT_STAMP): $(LIBFDT_TARBALL)
	$(Q)echo "  EXTRACT libfdt from $(LIBFDT_TARBALL)"; \
	set -e; tmp=$(LIBFDT_DIR).tmp.$$$$; rm -rf $$tmp; mkdir -p $$tmp/src; \
	tar -xJf $(LIBFDT_TARBALL) -C $$tmp/src --strip-components=4 -m \
		--wildcards '*/scripts/dtc/libfdt/*'; \
	test -f $$tmp/src/libfdt.h; \
	mv $$tmp/src/libfdt_env.h $$tmp/src/libfdt_env.h.upstream; \
	touch $$tmp/stamp-$(LIBFDT_KEY); \
	rm -rf $(LIBFDT_DIR); mv $$tmp $(LIBFDT_DIR)

# The sources appear with the stamp (make needs a rule to know they are made).
$(LIBFDT_SRCS) $(LIBFDT_SRC_DIR)/libfdt.h $(LIBFDT_SRC_DIR)/fdt.h: $(LIBFDT_STAMP) ;

.PHONY: libfdt
libfdt: $(LIBFDT_STAMP)

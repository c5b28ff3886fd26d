# SPDX-License-Identifier: GPL-2.0
#
#   make                 modules for the running kernel, or for every target
#                        kernel (build/<release>/) when it has no headers
#   make KVER=<release>  modules for that installed kernel, in the tree
#   make KDIR=<dir>      modules against that kernel build directory
#   make kernels         modules for every target kernel (scripts/kernels)
#   make user            libzeropool, zpctl, tests and benchmarks (build/user/)
#   make install         modules (when a kernel build directory is found),
#                        zpctl with its man page, libzeropool with its header
#                        and libzeropool.pc, the udev rule giving group
#                        zeropool the devices (udev/); DESTDIR=, PREFIX=/usr/local
#   make check           setup, lint, build, every test on both kernels
#   make check-debug     the in-guest suite and a kmemleak scan in a debug
#                        kernel (KASAN, lockdep, ...) built once from source
#   make demo            setup, build, boot each kernel, show the modules
#   make deb             Debian packages zeropool-dkms and zpctl (build/deb/)
#   make lint            checkpatch and sparse over our sources

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
KSRC := Kbuild include zeropool_core zeropool pagesplice ptshare bte_offload tests/modules

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -I$(TOP)/include -pthread

ifneq ($(origin KVER)$(origin KDIR),filefile)
HAVE_KDIR := 1
else ifneq ($(wildcard $(KDIR)/Makefile),)
HAVE_KDIR := 1
endif

.PHONY: all modules kernels user check check-debug demo deb lint setup install clean help

ifeq ($(HAVE_KDIR),1)
all: modules user
else
all: kernels user
endif

modules:
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# Out-of-tree modules build next to their sources; one mirror of symlinks
# per kernel keeps the two kernels' objects apart.  ZP_KERNEL_DIRS=<dir>...
# builds for those kernel build trees instead (the debug kernel's), each
# into build/<its release>/.
kernels:
	@set -e; \
	if [ -n "$(ZP_KERNEL_DIRS)" ]; then \
		pairs=$$(for d in $(ZP_KERNEL_DIRS); do \
			echo "$$(cat $$d/include/config/kernel.release)=$$d"; done); \
	else \
		pairs=$$(scripts/kernels | sed 's|.*|&=/lib/modules/&/build|'); \
	fi; \
	for p in $$pairs; do \
		k=$${p%%=*}; kdir=$${p#*=}; \
		out=$(BUILD)/$$k; mkdir -p $$out; \
		for d in $(KSRC); do \
			[ -e $(TOP)/$$d ] || continue; \
			mkdir -p $$(dirname $$out/$$d); \
			if [ -d $(TOP)/$$d ]; then cp -rsfT $(TOP)/$$d $$out/$$d; \
			else ln -sf $(TOP)/$$d $$out/$$d; fi; \
		done; \
		find $$out -xtype l -delete; \
		echo "== modules for $$k"; \
		$(MAKE) -C $$kdir M=$$out ZP_TEST_MODULES=$(ZP_TEST_MODULES) modules; \
	done

user:
	$(MAKE) -C lib TOP=$(TOP) BUILD=$(BUILD)/user CC="$(CC)" CFLAGS="$(USER_CFLAGS)"
	$(MAKE) -C tests TOP=$(TOP) BUILD=$(BUILD)/user CC="$(CC)" CFLAGS="$(USER_CFLAGS)"
	@if [ -f tools/zpctl/Makefile ]; then \
		$(MAKE) -C tools/zpctl TOP=$(TOP) BUILD=$(BUILD)/user CC="$(CC)" CFLAGS="$(USER_CFLAGS)"; \
	fi

setup:
	scripts/setup

lint:
	scripts/lint

check: setup
	$(MAKE) kernels ZP_TEST_MODULES=1
	$(MAKE) user
	tests/run

# Not part of `check`: the kernel build alone takes longer than CI's budget
# on a 2-core machine (README, "Debug-kernel lane").
check-debug:
	scripts/setup --debug-kernel
	scripts/debug-kernel
	$(MAKE) kernels ZP_TEST_MODULES=1 ZP_KERNEL_DIRS="$$(scripts/debug-kernel --dir)"
	$(MAKE) user
	tests/run --debug-kernel

demo: setup
	$(MAKE) kernels
	$(MAKE) user
	scripts/demo

# Modules into $(DESTDIR)/lib/modules/<release>/ (kbuild's INSTALL_MOD_PATH),
# when there is a kernel to install them for; DKMS is the other way.
install:
ifeq ($(HAVE_KDIR),1)
	$(MAKE) -C $(KDIR) M=$(TOP) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
else
	@echo "install: no kernel build directory $(KDIR): modules not installed (KVER=, KDIR=, or DKMS)"
endif
	$(MAKE) -C tools/zpctl TOP=$(TOP) BUILD=$(BUILD)/user CC="$(CC)" CFLAGS="$(USER_CFLAGS)" install
	$(MAKE) -C lib TOP=$(TOP) BUILD=$(BUILD)/user CC="$(CC)" CFLAGS="$(USER_CFLAGS)" install
	DESTDIR=$(DESTDIR) udev/install install

deb:
	scripts/deb

clean:
	rm -rf $(BUILD)
	-[ ! -f $(KDIR)/Makefile ] || $(MAKE) -C $(KDIR) M=$(TOP) clean

help:
	@sed -n '3,17s/^# \{0,1\}//p' Makefile

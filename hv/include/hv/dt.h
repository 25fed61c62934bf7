/* SPDX-License-Identifier: GPL-2.0 */
/* Reading and patching the flattened device tree with libfdt. */
#ifndef HV_DT_H
#define HV_DT_H

#include <hv/boot.h>

/*
 * Fill bi from the DT: memory banks (all "device_type = memory" nodes),
 * /memreserve/ and /reserved-memory children, CPUs (reg of /cpus/cpu@*),
 * PSCI conduit, the console UART (/chosen stdout-path, else the first
 * arm,pl011 or ns16550a), the interrupt controller, /chosen initrd.
 * Returns 0, or a negative errno with *why pointing at a static message:
 * -EINVAL bad header, -ENOENT no memory node / no CPUs, -ENODEV no console.
 */
int dt_parse(const void *fdt, struct boot_info *bi, const char **why);

/* Bytes of the blob actually used (header, reservations, structure, strings): less than totalsize when padded. */
size_t dt_used_size(const void *fdt);

/*
 * Write into buf (size bufsize) a copy of fdt for the host: keel's memory
 * (bi->keel) as a /reserved-memory no-map child, and a /hypervisor node
 * (compatible "keel,hypervisor", "keel,abi-version" = abi) telling the host
 * keel is present. -ENOSPC if buf is too small, -EINVAL on a bad fdt,
 * -EEXIST if bi->keel overlaps a reservation of the tree (bi->resv, as
 * dt_parse() read it from this fdt) or /hypervisor exists already.
 */
int dt_patch_for_host(const void *fdt, void *buf, size_t bufsize, const struct boot_info *bi,
		      uint32_t abi);

#endif

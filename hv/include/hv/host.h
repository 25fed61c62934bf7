/* SPDX-License-Identifier: GPL-2.0 */
/* The host: the ordinary OS keel runs one level below itself. */
#ifndef HV_HOST_H
#define HV_HOST_H

#include <hv/boot.h>
#include <hv/pgtable.h>

/*
 * Build the host's second stage: an identity map of [0, 2^ia_bits), RAM as
 * normal memory and everything else as device memory, in the largest blocks
 * that fit, with keel's own memory left out, so the host cannot reach it.
 */
int host_stage2_init(struct pgtable *pt, const struct boot_info *bi, unsigned ia_bits);

#endif

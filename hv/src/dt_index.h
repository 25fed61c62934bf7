/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dt.c's node index, for dt_host.c: built by dt_parse() and kept for the same
 * tree while it is unchanged (a checksum of its structure block says so).
 * The look-ups use it when it is valid for fdt, and walk with libfdt if not.
 */
#ifndef HV_DT_INDEX_H
#define HV_DT_INDEX_H

#include <hv/types.h>

bool dt_index_valid(const void *fdt);
void dt_index_forget(void); /* before a tree it indexes changes */
int dt_parent(const void *fdt, int node);
int dt_next_compatible(const void *fdt, int prev, const char *compat);
int dt_path(const void *fdt, const char *path);

#endif

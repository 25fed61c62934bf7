/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux errno values. keel returns them negated inside and across the
 * hypercall ABI, so the shim can hand them to userspace unchanged.
 */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define EALREADY 114
#define ENOTSUPP 524
#define EOPNOTSUPP 95

#endif

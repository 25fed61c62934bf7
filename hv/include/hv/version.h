/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HV_VERSION_H
#define HV_VERSION_H

#define KEEL_VERSION_STRING "0.1.0"

#endif

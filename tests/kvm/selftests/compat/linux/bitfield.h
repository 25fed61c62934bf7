/* tools/include of Linux 6.1 has no linux/bitfield.h, but aarch64/vgic_init.c includes it for
 * FIELD_PREP. Minimal userspace version: mask must be a non-zero constant, contiguous bits. */
#ifndef KEEL_SELFTEST_BITFIELD_H
#define KEEL_SELFTEST_BITFIELD_H

#define __keel_bf_shift(mask) __builtin_ctzll(mask)
#define FIELD_MAX(mask) ((typeof(mask))((mask) >> __keel_bf_shift(mask)))
#define FIELD_FIT(mask, val) \
	(!((((typeof(mask))(val)) << __keel_bf_shift(mask)) & ~(mask)))
#define FIELD_PREP(mask, val) \
	((typeof(mask))(((typeof(mask))(val) << __keel_bf_shift(mask)) & (mask)))
#define FIELD_GET(mask, reg) \
	((typeof(mask))(((reg) & (mask)) >> __keel_bf_shift(mask)))

#endif

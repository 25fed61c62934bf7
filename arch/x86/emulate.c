// SPDX-License-Identifier: GPL-2.0
/* Decoding a host store keel must carry out itself (arch/emulate.h). */
#include <arch/emulate.h>
#include <hv/errno.h>
#include <hv/string.h>

/* Bytes of ModRM, SIB and displacement after the opcode (64-bit addressing); 0 if ModRM names a register. */
static unsigned modrm_len(const uint8_t *p, unsigned n)
{
	unsigned mod, rm;

	if (!n)
		return 0;
	mod = p[0] >> 6;
	rm = p[0] & 7;
	if (mod == 3)
		return 0;
	if (rm == 4) {
		if (n < 2)
			return 0;
		if (mod == 0 && (p[1] & 7) == 5)
			return 2 + 4; /* SIB with disp32 and no base */
		return 2 + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
	}
	if (mod == 0 && rm == 5)
		return 1 + 4; /* RIP-relative */
	return 1 + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

int x86_decode_store(const uint8_t *insn, unsigned n, const uint64_t gprs[X86_NR_GPRS], struct x86_store *out)
{
	unsigned i = 0, rex = 0, size = 4, ml, reg;
	uint8_t op;

	if (n > 15)
		n = 15;
	for (; i < n && insn[i] == 0x66; i++)
		size = 2;
	if (i < n && (insn[i] & 0xf0) == 0x40)
		rex = insn[i++];
	if (rex & 8)
		size = 8;
	if (i >= n)
		return -EINVAL;
	op = insn[i++];
	if (op == 0x88 || op == 0x86 || op == 0xc6)
		size = 1;
	ml = modrm_len(insn + i, n - i);
	if (!ml || i + ml > n)
		return -EINVAL;
	reg = ((insn[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
	out->size = size;
	out->xchg_reg = -1;
	switch (op) {
	case 0x88:
	case 0x89:
	case 0x86:
	case 0x87:
		/* Without REX, byte registers 4..7 are AH, CH, DH, BH. */
		if (size == 1 && !rex && reg >= 4 && reg < 8)
			out->value = (gprs[reg - 4] >> 8) & 0xff;
		else
			out->value = gprs[reg];
		if (op == 0x86 || op == 0x87)
			out->xchg_reg = (int)reg;
		out->len = i + ml;
		break;
	case 0xc6:
	case 0xc7: {
		unsigned isz = size == 1 ? 1 : size == 2 ? 2 : 4;
		int64_t imm = 0;

		if ((reg & 7) != 0 || i + ml + isz > n)
			return -EINVAL;
		memcpy(&imm, insn + i + ml, isz);
		if (isz == 4 && size == 8)
			imm = (int32_t)imm; /* sign-extended to 64 bits */
		out->value = (uint64_t)imm;
		out->len = i + ml + isz;
		break;
	}
	default:
		return -EINVAL;
	}
	if (size < 8)
		out->value &= (1ULL << (8 * size)) - 1;
	return 0;
}

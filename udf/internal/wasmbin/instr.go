package wasmbin

import "fmt"

// Opcodes the rewriter cares about. Prefixed opcodes are prefix<<16 | sub.
const (
	opLoop       = 0x03
	opEnd        = 0x0b
	opCall       = 0x10
	opReturnCall = 0x12
	opMemoryGrow = 0x40
	opRefFunc    = 0xd2
)

// instr decodes the instruction at r.pos, advances past its immediates and
// returns its opcode.
func (r *reader) instr() uint32 {
	op := r.byte()
	switch {
	case op <= 0x01, op == 0x05, op == 0x0a, op == 0x0b, op == 0x0f, op == 0x19, op == 0x1a, op == 0x1b,
		op >= 0x45 && op <= 0xc4, op == 0xd1, op == 0xd3, op == 0xd5:
	case op >= 0x02 && op <= 0x04, op == 0x06: // block loop if try
		r.blockType()
	case op == 0x07, op == 0x08, op == 0x09, op == 0x18, op == 0x0c, op == 0x0d,
		op == 0x10, op == 0x12, op == 0x14, op == 0x15,
		op >= 0x20 && op <= 0x26, op == 0x3f, op == 0x40, op == 0xd2, op == 0xd4, op == 0xd6:
		r.u32()
	case op == 0x0e: // br_table
		for n := r.u32() + 1; n > 0 && r.err == nil; n-- {
			r.u32()
		}
	case op == 0x11, op == 0x13: // call_indirect, return_call_indirect
		r.u32()
		r.u32()
	case op == 0x1c: // select t*
		r.valTypes()
	case op == 0x1f: // try_table
		r.blockType()
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			if k := r.byte(); k < 2 {
				r.u32()
			}
			r.u32()
		}
	case op >= 0x28 && op <= 0x3e:
		r.memarg()
	case op == 0x41:
		r.sleb(32)
	case op == 0x42:
		r.sleb(64)
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null heaptype
		r.sleb(33)
	case op == 0xfc:
		return 0xfc<<16 | r.instrFC()
	case op == 0xfd:
		return 0xfd<<16 | r.instrFD()
	case op == 0xfe:
		return 0xfe<<16 | r.instrFE()
	default:
		r.fail(fmt.Errorf("opcode 0x%02x not supported at offset %d", op, r.pos-1))
	}
	return uint32(op)
}

func (r *reader) blockType() {
	if r.pos < len(r.b) {
		if c := r.b[r.pos]; c == 0x40 || validValType(ValType(c)) {
			r.pos++
			return
		}
	}
	r.sleb(33)
}

func (r *reader) memarg() {
	if align := r.u32(); align&0x40 != 0 {
		r.u32() // memory index (multi-memory)
	}
	r.uleb(64)
}

func (r *reader) instrFC() uint32 {
	sub := r.u32()
	switch {
	case sub <= 7: // saturating truncations
	case sub == 8, sub == 10, sub == 12, sub == 14: // memory.init memory.copy table.init table.copy
		r.u32()
		r.u32()
	case sub == 9, sub == 11, sub == 13, sub >= 15 && sub <= 17:
		r.u32()
	default:
		r.fail(fmt.Errorf("opcode 0xfc %d not supported", sub))
	}
	return sub
}

func (r *reader) instrFD() uint32 {
	sub := r.u32()
	switch {
	case sub <= 11, sub == 92, sub == 93: // loads, stores, load_zero
		r.memarg()
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract/replace lane
		r.byte()
	case sub >= 84 && sub <= 91: // load/store lane
		r.memarg()
		r.byte()
	case sub <= 0x113: // everything else, including relaxed SIMD, has no immediate
	default:
		r.fail(fmt.Errorf("opcode 0xfd %d not supported", sub))
	}
	return sub
}

func (r *reader) instrFE() uint32 {
	sub := r.u32()
	switch {
	case sub == 3: // atomic.fence
		r.byte()
	case sub <= 2, sub >= 0x10 && sub <= 0x4e:
		r.memarg()
	default:
		r.fail(fmt.Errorf("opcode 0xfe %d not supported", sub))
	}
	return sub
}

//go:build wasip1

package velort

import (
	"errors"
	"unsafe"
)

// addr is a guest memory address.
func addr(p unsafe.Pointer) uint32 { return uint32(uintptr(p)) }

var (
	codecCols []Column
	encoded   []byte // the last payload, alive until the host copies it
	codecErr  string // the last error message, alive until the host reads it
)

func codecFail(err error) uint64 {
	codecErr = err.Error()
	if codecErr == "" {
		codecErr = "error"
	}
	return ReturnString(codecErr)
}

func rowAt(p uint32) Row {
	if len(codecCols) == 0 {
		return Row{}
	}
	return Row{unsafe.Slice((*slot)(unsafe.Add(nil, uintptr(p))), len(codecCols))}
}

var errNoCodec = errors.New("velort: the module registers no codec (velort.RegisterCodec)")

//go:wasmexport velort_codec_init
func codecInitExport(p, n uint32) uint64 {
	if len(codecs) == 0 {
		return codecFail(errNoCodec)
	}
	b := View(p, n)
	le32 := func(o int) uint32 {
		return uint32(b[o]) | uint32(b[o+1])<<8 | uint32(b[o+2])<<16 | uint32(b[o+3])<<24
	}
	count, mode := int(le32(0)), CodecMode(le32(4))
	cols := make([]Column, count)
	for k := range cols {
		e := 8 + 16*k
		flags := le32(e + 4)
		cols[k] = Column{Name: String(le32(e+8), le32(e+12)), Type: Tag(le32(e)), Read: flags&1 != 0,
			Scale: int(flags >> 8 & 0xff), Precision: int(flags >> 16 & 0xff)}
	}
	codecCols = cols
	if err := codecs[0].c.Init(cols, mode); err != nil {
		return codecFail(err)
	}
	return 0
}

//go:wasmexport velort_codec_decode
func codecDecodeExport(p, n, row uint32) uint64 {
	keep = keep[:0]
	if len(codecs) == 0 {
		return codecFail(errNoCodec)
	}
	if err := codecs[0].c.Decode(View(p, n), rowAt(row)); err != nil {
		return codecFail(err)
	}
	return 0
}

//go:wasmexport velort_codec_encode
func codecEncodeExport(row uint32) uint64 {
	if len(codecs) == 0 {
		ResultNull()
		return codecFail(errNoCodec)
	}
	out, err := codecs[0].c.Encode(rowAt(row), encoded[:0])
	if err != nil {
		ResultNull()
		return codecFail(err)
	}
	encoded = out
	return ReturnBytes(encoded)
}

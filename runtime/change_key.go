package runtime

import "bytes"

// AppendChangeKey appends one part of a changelog record's key text
// (Velort-Key): the value's key text (AppendKeyText) with '\' and '|'
// escaped by a backslash, and NULL written \N, so that distinct keys have
// distinct texts — ("x|y", "z") and ("x", "y|z"), NULL and the empty string are
// different groups. A key without NULLs, '|' or '\' reads as the text
// partitioning hashes. Parts are joined by '|'.
func AppendChangeKey(dst []byte, v Value) []byte {
	if v.T == TNull {
		return append(dst, '\\', 'N')
	}
	if v.T != TString && v.T != TJSON {
		return AppendKeyText(dst, v)
	}
	if bytes.IndexByte(v.S, '|') < 0 && bytes.IndexByte(v.S, '\\') < 0 {
		return append(dst, v.S...) // nothing to escape: the common case
	}
	for _, b := range v.S {
		if b == '\\' || b == '|' {
			dst = append(dst, '\\')
		}
		dst = append(dst, b)
	}
	return dst
}

// ChangeKeyHashText returns the text a Velort-Key hashes as for
// partitioning: its escapes undone, a \N part empty (as a NULL hashes).
func ChangeKeyHashText(dst []byte, key []byte) []byte {
	for i := 0; i < len(key); i++ {
		if key[i] != '\\' || i+1 == len(key) {
			dst = append(dst, key[i])
			continue
		}
		i++
		if key[i] != 'N' {
			dst = append(dst, key[i])
		}
	}
	return dst
}

package velort

// States holds aggregate states addressed by int32 handles, the values an
// aggregate's init export returns and its other exports receive.
type States[S any] struct {
	s    []*S
	free []int32
}

// New returns the handle of a fresh zero state.
func (st *States[S]) New() int32 {
	if n := len(st.free); n > 0 {
		h := st.free[n-1]
		st.free = st.free[:n-1]
		var zero S
		*st.s[h] = zero
		return h
	}
	st.s = append(st.s, new(S))
	return int32(len(st.s) - 1)
}

// Get returns the state of handle h.
func (st *States[S]) Get(h int32) *S { return st.s[h] }

// Free releases handle h for reuse.
func (st *States[S]) Free(h int32) { st.free = append(st.free, h) }

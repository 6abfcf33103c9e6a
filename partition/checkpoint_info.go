package partition

// CheckpointInfo reads the header of a stored checkpoint: the stream
// sequence of the last input it reflects and when it was saved (epoch ms).
func CheckpointInfo(b []byte) (seq uint64, savedMs int64, err error) {
	rec, err := decodeCheckpoint(b)
	if err != nil {
		return 0, 0, err
	}
	return rec.seq, rec.savedMs, nil
}

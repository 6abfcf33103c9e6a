package runtime

// Writing a group's changed row straight into the pipeline's output row.
// A keyed changelog output of a GROUP BY without a window is usually its
// stage row projected column by column (Pipeline.ProjectCols, a
// permutation of keys and aggregates): instead of filling the stage row
// (fillRow) and copying it into the output row (recordKeyed), the cell's
// keys and results are written where the projection puts them. It applies
// when the pipeline has no HAVING, no message identity and projects only
// stage columns, and the group's key text is known (its first upsert took
// the general path and wrote it).

// emitDirect upserts cell cid's row into pl as recordKeyed would, and
// reports whether it could.
func (s *groupStage) emitDirect(c *Ctx, pl *Pipeline, cid int32) bool {
	if s.direct == 0 {
		s.direct = -1
		if pl.Having == nil && pl.Identity == nil && pl.ProjectCols != nil && len(pl.ProjectCols) == len(pl.Project) {
			s.direct = 1
			for _, k := range pl.ProjectCols {
				if k < 0 || k >= s.nk+s.na+2 {
					s.direct = -1
				}
			}
		}
	}
	if s.direct < 0 {
		return false
	}
	ci := &s.cells[cid]
	if int(ci.gid) >= len(s.keyTexts) || !s.keyTexts[ci.gid].ok {
		return false
	}
	dst := pl.keyedSlot(OpUpsert, s.keyTexts[ci.gid].b)
	keys := s.keys.key(ci.gid)
	accs := s.accs[int(cid)*s.na : int(cid)*s.na+s.na]
	for i, k := range pl.ProjectCols {
		switch {
		case k < s.nk:
			dst[i] = keys[k]
		case k < s.nk+s.na:
			if j := k - s.nk; s.cnts == nil {
				accs[j].resultInto(c, &s.aggs[j], &dst[i]) // (result's, without its call)
			} else {
				s.result(c, accs, cid, j, &dst[i])
			}
		default: // window_start, window_end: none without a window
			dst[i] = Null
		}
	}
	if c.Err != nil {
		pl.downErr = true
		return true
	}
	pl.nouts++
	ci.vis = true
	return true
}

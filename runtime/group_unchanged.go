package runtime

// A change that leaves a group's row as it was emits nothing (SPEC §2
// "Changelogs": a changelog's meaning is the last row of each key, and an
// upsert repeating that row adds nothing). Flink's GroupAggFunction and
// RisingWave's hash aggregation do the same. Two such changes are known
// without computing the row:
//
//   - over a changelog input, an update within one group whose aggregate
//     arguments are all the old row's (changedArgs finds none changed):
//     retracting and inserting the same values gives back the same state;
//   - a record inserted (over an append-only input, or as a change's new
//     row with no old row in its group) that no MIN or MAX of a stage
//     computing only MINs and MAXs goes beyond: every result stays.
//
// Under state_ttl every change is emitted, as Flink does: a downstream
// stage's state of the group must not expire while the group lives.

// quietUnchanged reports whether a change known to leave a visible group's
// row as it was may emit nothing.
func (s *groupStage) quietUnchanged() bool { return s.changelog && s.ttl == 0 }

// keepsRow reports whether inserting the current record (its arguments:
// s.av, or over a changelog s.arg) into cell cid leaves the cell's row as it was and the cell was
// emitted: every aggregate is a MIN or MAX that already holds a value and
// the record's is NULL or not beyond it (as accum.update compares). A
// cell the current change touched already (pending: a retraction may have
// left its extreme to be picked again at flush) is not judged.
func (s *groupStage) keepsRow(cid int32) bool {
	if !s.minMaxOnly || !s.quietUnchanged() {
		return false
	}
	if ci := &s.cells[cid]; !ci.vis || ci.pend {
		return false
	}
	accs := s.accs[int(cid)*s.na : int(cid)*s.na+s.na]
	for j := range accs {
		v := &s.av[j]
		if s.retract {
			v = s.arg(j) // (a change loads only s.cur for column arguments)
		}
		if v.T == TNull {
			continue
		}
		a := &accs[j]
		if a.n == 0 {
			return false
		}
		switch d := a.cmpStored(v); {
		case d < 0 && s.aggs[j].Func == Min, d > 0 && s.aggs[j].Func == Max:
			return false
		}
	}
	return true
}

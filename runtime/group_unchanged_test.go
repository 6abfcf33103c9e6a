package runtime

import "testing"

// An append-only record that no MIN/MAX of an all-MIN/MAX stage goes
// beyond leaves the group's row as it was: no upsert. Under state_ttl, or
// with another aggregate beside, every record emits.
func TestUnchangedMinMaxRowEmitsNothing(t *testing.T) {
	run := func(p *Pipeline) func(r Row) []string {
		c := &Ctx{}
		return func(r Row) []string {
			c.Reset()
			out := chLines(p, p.Execute(c, r, 0))
			if c.Err != nil {
				t.Fatal(c.Err)
			}
			return out
		}
	}
	cfg := chCfg(chAgg(Min, TInt), chAgg(Max, TInt))
	cfg.Retract = false
	r := run(chPipe(cfg, nil))
	chExpect(t, "first row", r(chKV("a", Int(5))), "+a: 'a'|5|5")
	chExpect(t, "within [min, max]", r(chKV("a", Int(5))))
	chExpect(t, "NULL", r(chKV("a", Null)))
	chExpect(t, "new max", r(chKV("a", Int(7))), "+a: 'a'|5|7")
	chExpect(t, "within again", r(chKV("a", Int(6))))
	chExpect(t, "new min", r(chKV("a", Int(1))), "+a: 'a'|1|7")
	chExpect(t, "other group", r(chKV("b", Int(6))), "+b: 'b'|6|6")

	// Strings compare as MAX does (their collation): an equal text is not beyond.
	scfg := chCfg(chAgg(Max, TString))
	scfg.Retract = false
	sr := run(chPipe(scfg, nil))
	chExpect(t, "first text", sr(Row{stStr("k"), stStr("m")}), "+k: 'k'|'m'")
	chExpect(t, "smaller text", sr(Row{stStr("k"), stStr("b")}))
	chExpect(t, "larger text", sr(Row{stStr("k"), stStr("z")}), "+k: 'k'|'z'")

	cfg.StateTTL = 60_000
	r = run(chPipe(cfg, nil))
	r(chKV("a", Int(5)))
	chExpect(t, "state_ttl: every change emits", r(chKV("a", Int(5))), "+a: 'a'|5|5")

	ccfg := chCfg(chAgg(Max, TInt), chAgg(CountStar, TInt))
	ccfg.Retract = false
	r = run(chPipe(ccfg, nil))
	r(chKV("a", Int(5)))
	chExpect(t, "with COUNT(*) the row changes", r(chKV("a", Int(5))), "+a: 'a'|5|2")
}

// Over a changelog input, an update within a group whose aggregate
// arguments are the old row's leaves the group's row as it was: no
// upsert (a column the query does not aggregate changed).
func TestUnchangedChangeEmitsNothing(t *testing.T) {
	cfg := chCfg(chAgg(CountStar, TInt), chAgg(Sum, TInt), chAgg(Max, TInt))
	p := chPipe(cfg, nil)
	a5, a5b, a7 := Row{stStr("a"), Int(5), stStr("x")}, Row{stStr("a"), Int(5), stStr("y")}, Row{stStr("a"), Int(7), stStr("y")}
	chExpect(t, "insert", chChange(t, p, nil, a5), "+a: 'a'|1|5|5")
	chExpect(t, "only an unread column changes", chChange(t, p, a5, a5b))
	chExpect(t, "the argument changes", chChange(t, p, a5b, a7), "+a: 'a'|1|7|7")
	chExpect(t, "to another group", chChange(t, p, a7, Row{stStr("b"), Int(7), stStr("y")}), "-a: 'a'|1|7|7", "+b: 'b'|1|7|7")

	cfg.StateTTL = 60_000
	p = chPipe(cfg, nil)
	chChange(t, p, nil, a5)
	chExpect(t, "state_ttl: every change emits", chChange(t, p, a5, a5b), "+a: 'a'|1|5|5")
}

// Over a changelog input, a new row (no old row) that no MAX of an
// all-MIN/MAX group goes beyond emits nothing; retracting the extreme
// does.
func TestUnchangedInsertOverChangelogEmitsNothing(t *testing.T) {
	p := chPipe(chCfg(chAgg(Max, TInt), chAgg(Min, TInt)), nil)
	a5, a3, a9 := chKV("a", Int(5)), chKV("a", Int(3)), chKV("a", Int(9))
	chExpect(t, "first", chChange(t, p, nil, a5), "+a: 'a'|5|5")
	chExpect(t, "new row, new min", chChange(t, p, nil, a3), "+a: 'a'|5|3")
	chExpect(t, "new row within", chChange(t, p, nil, chKV("a", Int(4))))
	chExpect(t, "new row, new max", chChange(t, p, nil, a9), "+a: 'a'|9|3")
	chExpect(t, "retract the max", chChange(t, p, a9, nil), "+a: 'a'|5|3")
	chExpect(t, "new row equal to the max", chChange(t, p, nil, a5))
}

// Over a changelog, a row that moves to another group of an all-MIN/MAX
// stage is judged by its own value, not by the arguments the last
// inserted record left (keepsRow read s.av, which a change does not load
// for column arguments: the move of a:6 to b:100 emitted no upsert of b,
// whose MAX became 100).
func TestUnchangedMoveJudgedByItsValue(t *testing.T) {
	p := chPipe(chCfg(chAgg(Min, TInt), chAgg(Max, TInt)), nil)
	chExpect(t, "b5", chChange(t, p, nil, chKV("b", Int(5))), "+b: 'b'|5|5")
	chExpect(t, "b7", chChange(t, p, nil, chKV("b", Int(7))), "+b: 'b'|5|7")
	chExpect(t, "a6", chChange(t, p, nil, chKV("a", Int(6))), "+a: 'a'|6|6")
	chExpect(t, "a6 → b100", chChange(t, p, chKV("a", Int(6)), chKV("b", Int(100))), "-a: 'a'|6|6", "+b: 'b'|5|100")
	chExpect(t, "b6 within [5, 100]", chChange(t, p, nil, chKV("b", Int(6))))
	chExpect(t, "b6 → c1", chChange(t, p, chKV("b", Int(6)), chKV("c", Int(1))), "+b: 'b'|5|100", "+c: 'c'|1|1")
	chExpect(t, "c1 → b2", chChange(t, p, chKV("c", Int(1)), chKV("b", Int(2))), "-c: 'c'|1|1", "+b: 'b'|2|100")
}

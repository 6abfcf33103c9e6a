package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// Tests of state_ttl (state_ttl.go) against brute-force references that
// drop every entry whose last change is older than the watermark less the
// ttl before each record: expiry checked when an entry is met again makes
// the stage agree with them whenever its sweeps run.

// ttlRef is a reference GROUP BY k: COUNT(*), SUM(v) with a ttl, and the
// table a consumer of its changelog holds (expired groups' rows stay).
type ttlRef struct {
	ttl, wm           int64
	planned           bool // a third aggregate: COUNT(CASE WHEN v < 25 THEN 1 END)
	cnt, sum, last    map[string]int64
	low               map[string]int64
	table             map[string]string
	created, expired_ int64
	deleted           int64 // groups whose rows were all retracted
}

func newTTLRef(ttl int64) *ttlRef {
	return &ttlRef{ttl: ttl, wm: -1 << 62, cnt: map[string]int64{}, sum: map[string]int64{}, low: map[string]int64{}, last: map[string]int64{}, table: map[string]string{}}
}

// meet drops group k when it has expired; it reports whether it is live.
func (r *ttlRef) meet(k string) bool {
	last, ok := r.last[k]
	if ok && last < r.wm-r.ttl {
		delete(r.cnt, k)
		delete(r.sum, k)
		delete(r.low, k)
		delete(r.last, k)
		r.expired_++
		return false
	}
	return ok
}

func (r *ttlRef) add(k string, v, t, sign int64) {
	live := r.meet(k)
	if sign < 0 && !live {
		return // retraction from a forgotten group: nothing to take back
	}
	if !live {
		r.created++
		r.last[k] = t
	}
	r.cnt[k] += sign
	r.sum[k] += sign * v
	if v < 25 {
		r.low[k] += sign
	}
	r.last[k] = max(r.last[k], t)
}

// end ends a change that touched groups ks: a group left without rows is
// deleted (a change that retracts its last row and inserts into it keeps
// it, as the stage does), the others' rows go to the table.
func (r *ttlRef) end(ks ...string) {
	for _, k := range ks {
		n, ok := r.cnt[k]
		switch {
		case !ok:
		case n == 0:
			r.deleted++
			delete(r.cnt, k)
			delete(r.sum, k)
			delete(r.last, k)
			delete(r.table, k)
		case r.planned:
			r.table[k] = fmt.Sprintf("'%s'|%d|%d|%d", k, r.cnt[k], r.sum[k], r.low[k])
		default:
			r.table[k] = fmt.Sprintf("'%s'|%d|%d", k, r.cnt[k], r.sum[k])
		}
	}
}

// applyOuts applies a changelog pipeline's outputs to a consumer's table.
func applyOuts(t *testing.T, p *Pipeline, outs []Row, table map[string]string) {
	t.Helper()
	for i, r := range outs {
		k := string(p.Keys()[i])
		if p.Ops()[i] == OpDelete {
			if _, ok := table[k]; !ok {
				t.Fatalf("delete of %s, which the table does not hold", k)
			}
			delete(table, k)
		} else {
			table[k] = stFmt(r)
		}
	}
}

func ttlCfg(retract bool, ttl int64) GroupConfig {
	return GroupConfig{Keys: []Expr{stCol(0)}, KeyTypes: []Type{TString}, KeyCols: []int{0},
		Aggs: []AggSpec{chAgg(CountStar, TInt), chAgg(Sum, TInt)}, Retract: retract, Changelog: true, StateTTL: ttl}
}

// ttlPlannedCfg is ttlCfg over an append-only input with COUNT(CASE WHEN
// v < 25 THEN 1 END) beside: the stage counts under a plan (agg_plan.go),
// which finds a group's cell through its key slot (warmGroup, cellAt).
func ttlPlannedCfg(ttl int64) GroupConfig {
	cfg := ttlCfg(false, ttl)
	lt := func(_ *Ctx, r Row) Value {
		if r[1].T != TInt {
			return Null
		}
		return Bool(r[1].I < 25)
	}
	one := func(*Ctx, Row) Value { return Int(1) }
	cfg.Aggs = append(cfg.Aggs, AggSpec{Func: Count, Arg: stCase(lt, one), ResultType: TInt, ArgType: TInt,
		Cond: lt, CondID: 1, Then: one, ThenConst: true, CondRange: &IntRange{Col: 1, Lo: math.MinInt64, Hi: 24}})
	return cfg
}

// TestGroupStateTTLAgainstReference: random records (times mostly rising,
// some behind) over 12 keys, GROUP BY over an append-only input and over a
// changelog (random upserts and deletes of 20 input keys): after every
// record the consumer's table equals the reference's, and the stage holds
// every group the reference holds (plus expired ones not yet swept).
func TestGroupStateTTLAgainstReference(t *testing.T) {
	for _, mode := range []string{"append-only", "changelog-input", "planned"} {
		retract, planned := mode == "changelog-input", mode == "planned"
		t.Run(mode, func(t *testing.T) {
			forSeeds(t, 8, map[string]uint64{"append-only": 71, "changelog-input": 72, "planned": 73}[mode], func(t *testing.T, rng *rand.Rand) {
				const ttl = 40
				cfg := ttlCfg(retract, ttl)
				if planned {
					cfg = ttlPlannedCfg(ttl)
				}
				p := chPipe(cfg, nil)
				if planned && p.Stage.(*groupStage).plan == nil {
					t.Fatal("no plan")
				}
				ref := newTTLRef(ttl)
				ref.planned = planned
				table := map[string]string{}
				inputs := map[string]Row{} // changelog input: the last row of each input key
				c := &Ctx{}
				var maxT int64
				for step := 0; step < 600; step++ {
					tm := maxT + int64(rng.IntN(12))
					if rng.IntN(5) == 0 {
						tm -= int64(rng.IntN(60)) // behind the watermark, even past the ttl
					}
					maxT = max(maxT, tm)
					k := "k" + strconv.Itoa(rng.IntN(12))
					if rng.IntN(9) == 0 {
						k = "burst" // changes often: never expires
					}
					row := Row{stStr(k), Int(int64(rng.IntN(50)))}
					var outs []Row
					if !retract {
						outs = p.Execute(c, row, tm)
						ref.add(k, row[1].I, tm, 1)
						ref.end(k)
					} else {
						in := "i" + strconv.Itoa(rng.IntN(20))
						old := inputs[in]
						var nw Row
						if rng.IntN(4) != 0 {
							nw = row
						}
						outs = p.ExecuteChange(c, old, nw, []byte(in), tm)
						if dbgTTL {
							t.Logf("step %d t=%d wm=%d in=%s old=%v new=%v outs=%q", step, tm, ref.wm, in, stFmtOrNil(old), stFmtOrNil(nw), chLines(p, outs))
						}
						var ks []string
						if old != nil {
							ks = append(ks, string(old[0].S))
							ref.add(ks[0], old[1].I, tm, -1)
						}
						if nw != nil {
							ks = append(ks, k)
							ref.add(k, nw[1].I, tm, 1)
							inputs[in] = nw
						} else {
							delete(inputs, in)
						}
						ref.end(ks...)
					}
					if c.Err != nil {
						t.Fatal(c.Err)
					}
					applyOuts(t, p, outs, table)
					applyOuts(t, p, p.Advance(c, maxT), table)
					ref.wm = maxT
					if !maps(table, ref.table) {
						t.Fatalf("step %d (t=%d, wm=%d): table\n got %v\nwant %v", step, tm, maxT, table, ref.table)
					}
					held := 0
					for _, last := range ref.last {
						if last >= ref.wm-ref.ttl {
							held++
						}
					}
					rows, gone := p.StateRows(), p.StateExpired()
					if rows < held || int64(rows)+gone+ref.deleted != ref.created {
						t.Fatalf("step %d: stage holds %d groups and forgot %d; the reference holds %d unexpired, %d made", step, rows, gone, held, ref.created)
					}
				}
				// Time passes: every group expires, none is emitted.
				if outs := p.Advance(c, maxT+10*ttl); len(outs) != 0 {
					t.Fatalf("expiry emitted %v", outs)
				}
				if rows := p.StateRows(); rows != 0 || p.StateExpired()+ref.deleted != ref.created {
					t.Fatalf("after every group expired: %d groups held, %d forgotten of %d", rows, p.StateExpired(), ref.created)
				}
			})
		})
	}
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestGroupStateTTLExpiryRestartsCount: a key idle for longer than the ttl
// starts again from COUNT 1 without anything emitted at expiry; a key whose
// changes are closer than the ttl keeps counting; SELECT DISTINCT (a GROUP
// BY without aggregates) emits a value again once its entry expired.
func TestGroupStateTTLExpiryRestartsCount(t *testing.T) {
	p := chPipe(ttlCfg(false, 100), nil)
	c := &Ctx{}
	run := func(k string, tm int64) []string {
		outs := p.Execute(c, Row{stStr(k), Int(1)}, tm)
		lines := chLines(p, outs)
		lines = append(lines, chLines(p, p.Advance(c, tm))...)
		return lines
	}
	chExpect(t, "idle first", run("idle", 0), "+idle: 'idle'|1|1")
	chExpect(t, "idle second", run("idle", 50), "+idle: 'idle'|2|2")
	for tm := int64(60); tm <= 400; tm += 60 {
		run("busy", tm)
	}
	chExpect(t, "busy keeps counting (gaps of 60 < 100)", run("busy", 450), "+busy: 'busy'|7|7")
	chExpect(t, "idle after a gap of 400 > 100: a new group", run("idle", 450), "+idle: 'idle'|1|1")
	if p.StateExpired() != 1 || p.StateRows() != 2 {
		t.Errorf("expired %d, rows %d; want 1 and 2", p.StateExpired(), p.StateRows())
	}

	// DISTINCT: no aggregate.
	d := chPipe(GroupConfig{Keys: []Expr{stCol(0)}, KeyTypes: []Type{TString}, KeyCols: []int{0}, Changelog: true, StateTTL: 100}, nil)
	once := func(tm int64) []string {
		lines := chLines(d, d.Execute(c, Row{stStr("v")}, tm))
		return append(lines, chLines(d, d.Advance(c, tm))...)
	}
	chExpect(t, "distinct first", once(0), "+v: 'v'")
	chExpect(t, "distinct again within the ttl: an upsert of the same row", once(90), "+v: 'v'")
	d.Advance(c, 1000) // swept
	if d.StateRows() != 0 || d.StateExpired() != 1 {
		t.Errorf("distinct after the ttl: %d rows, %d expired", d.StateRows(), d.StateExpired())
	}
	chExpect(t, "distinct after expiry: emitted again", once(1001), "+v: 'v'")
}

// TestGroupStateTTLPlannedExpiryOnMeet: a planned stage finds a group's
// cell through its key slot (warmGroup); a group that expired and is met
// again before any sweep is forgotten and made again in the same record
// (its id reused), and its old cell goes to the next new group: each
// counts on its own. Fails when the cell noted for the group outlives it.
func TestGroupStateTTLPlannedExpiryOnMeet(t *testing.T) {
	p := chPipe(ttlPlannedCfg(100), nil)
	s := p.Stage.(*groupStage)
	c := &Ctx{}
	run := func(k string, v, tm int64) []string {
		return chLines(p, p.Execute(c, Row{stStr(k), Int(v)}, tm))
	}
	chExpect(t, "k first", run("k", 10, 0), "+k: 'k'|1|10|1")
	p.Advance(c, 0)
	s.ttlNext = math.MaxInt64 // no sweeps: k expires when met again
	p.Advance(c, 500)
	chExpect(t, "k after its ttl: a new group", run("k", 30, 500), "+k: 'k'|1|30|0")
	chExpect(t, "a new group takes a free cell", run("other", 5, 500), "+other: 'other'|1|5|1")
	chExpect(t, "k again", run("k", 1, 500), "+k: 'k'|2|31|1")
	chExpect(t, "other again", run("other", 40, 500), "+other: 'other'|2|45|1")
	if s.StateExpired() != 1 || s.StateRows() != 2 {
		t.Errorf("expired %d, rows %d; want 1 and 2", s.StateExpired(), s.StateRows())
	}
}

// TestGroupStateTTLOff: without a ttl nothing expires, however far the
// watermark goes.
func TestGroupStateTTLOff(t *testing.T) {
	p := chPipe(ttlCfg(false, 0), nil)
	c := &Ctx{}
	p.Execute(c, Row{stStr("a"), Int(1)}, 0)
	p.Advance(c, 1<<40)
	chExpect(t, "no ttl", chLines(p, p.Execute(c, Row{stStr("a"), Int(1)}, 1<<40)), "+a: 'a'|2|2")
	if p.StateExpired() != 0 || p.StateRows() != 1 {
		t.Errorf("expired %d, rows %d", p.StateExpired(), p.StateRows())
	}
}

// TestGroupStateTTLRestored: groups restored from a checkpoint count as
// changed at the first watermark after the restore.
func TestGroupStateTTLRestored(t *testing.T) {
	p := chPipe(ttlCfg(false, 100), nil)
	c := &Ctx{}
	p.Execute(c, Row{stStr("a"), Int(1)}, 0)
	p.Advance(c, 50)
	snap, err := p.Stage.(Checkpointer).Snapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	q := chPipe(ttlCfg(false, 100), nil)
	if err := q.Stage.(Checkpointer).Restore(snap); err != nil {
		t.Fatal(err)
	}
	q.Advance(c, 500) // the first watermark after the restore: a is changed "now"
	if q.StateRows() != 1 {
		t.Fatalf("restored group expired at the first watermark: %d rows", q.StateRows())
	}
	chExpect(t, "restored group within the ttl of the first watermark", chLines(q, q.Execute(c, Row{stStr("a"), Int(1)}, 550)), "+a: 'a'|2|2")
	q.Advance(c, 700)
	chExpect(t, "then it expires like any", chLines(q, q.Execute(c, Row{stStr("a"), Int(1)}, 700)), "+a: 'a'|1|1")
}

// TestRegularJoinStateTTLAgainstReference: an INNER join of two
// changelogs (or append-only sides) with a ttl, random changes with rising
// (sometimes late) times: each change's outputs equal a reference join
// that first drops every row of both sides whose last change is older
// than the watermark less the ttl.
func TestRegularJoinStateTTLAgainstReference(t *testing.T) {
	col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
	for _, appendOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("append-only=%v", appendOnly), func(t *testing.T) {
			forSeeds(t, 8, map[bool]uint64{false: 81, true: 82}[appendOnly], func(t *testing.T, rng *rand.Rand) {
				const ttl = 30
				j := &RegularJoin{LeftKey: col(0), RightKey: col(0), LeftWidth: 2, RightWidth: 2, Preserve: -1, TTL: ttl,
					AppendOnly: [2]bool{appendOnly, appendOnly}}
				type refRow struct {
					r Row
					t int64
				}
				live := [2]map[string]refRow{{}, {}}
				var wm, maxT int64 = -1 << 62, 0
				c := &Ctx{}
				seq := 0
				for step := 0; step < 500; step++ {
					tm := maxT + int64(rng.IntN(6))
					if rng.IntN(6) == 0 {
						tm -= int64(rng.IntN(40))
					}
					maxT = max(maxT, tm)
					side := rng.IntN(2)
					// The reference forgets every expired row first.
					for s := range live {
						for k, r := range live[s] {
							if r.t < wm-ttl {
								delete(live[s], k)
							}
						}
					}
					seq++
					key := strconv.Itoa(seq)
					if !appendOnly {
						key = strconv.Itoa(rng.IntN(10))
					}
					var nw Row
					if appendOnly || rng.IntN(4) != 0 {
						nw = Row{Int(int64(rng.IntN(4))), Int(int64(step))}
					}
					want := map[string][2]string{}
					pairs := func(r Row, slot int) {
						for ok, o := range live[1-side] {
							if o.r[0].I != r[0].I {
								continue
							}
							lk, rk, l, rr := key, ok, r, o.r
							if side == RightSide {
								lk, rk, l, rr = ok, key, o.r, r
							}
							w := want[lk+"|"+rk]
							w[slot] = rowText(Row{l[0], l[1], rr[0], rr[1]})
							want[lk+"|"+rk] = w
						}
					}
					if old, ok := live[side][key]; ok {
						pairs(old.r, 0)
					}
					if nw != nil {
						pairs(nw, 1)
						live[side][key] = refRow{slices.Clone(nw), tm}
					} else {
						delete(live[side], key)
					}
					for k, w := range want {
						if w[0] == w[1] {
							delete(want, k) // an unchanged pair: not emitted
						}
					}
					got := map[string][2]string{}
					j.Now = tm
					j.Change(c, side, []byte(key), nw, joinEmitFunc(func(old, new Row, k []byte) {
						var w [2]string
						if old != nil {
							w[0] = rowText(old)
						}
						if new != nil {
							w[1] = rowText(new)
						}
						got[string(k)] = w
					}))
					if c.Err != nil {
						t.Fatal(c.Err)
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("step %d (side %d key %s t=%d wm=%d): outputs\n got %v\nwant %v", step, side, key, tm, wm, got, want)
					}
					j.Advance(maxT)
					wm = maxT
					held := 0
					for s := range live {
						for _, r := range live[s] {
							if r.t >= wm-ttl {
								held++
							}
						}
					}
					if j.StateRows() < held {
						t.Fatalf("step %d: join holds %d rows, the reference %d", step, j.StateRows(), held)
					}
				}
				j.Advance(maxT + 10*ttl)
				if j.StateRows() != 0 || j.StateExpired() == 0 {
					t.Fatalf("after every row expired: %d rows held, %d forgotten", j.StateRows(), j.StateExpired())
				}
			})
		})
	}
}

type joinEmitFunc func(old, new Row, key []byte)

func (f joinEmitFunc) JoinChange(_ *Ctx, old, new Row, key []byte) { f(old, new, key) }

// TestRegularJoinStateTTLForgetsRow: a row older than the ttl no longer
// matches a later row of the other side; nothing is emitted when it goes.
func TestRegularJoinStateTTLForgetsRow(t *testing.T) {
	col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
	j := &RegularJoin{LeftKey: col(0), RightKey: col(0), LeftWidth: 2, RightWidth: 2, Preserve: -1, TTL: 100}
	var outs []string
	emit := joinEmitFunc(func(old, new Row, key []byte) { outs = append(outs, string(key)+" "+rowText(old)+" -> "+rowText(new)) })
	c := &Ctx{}
	j.Now = 0
	j.Change(c, LeftSide, []byte("a"), Row{Int(1), Int(10)}, emit)
	j.Advance(0)
	j.Now = 50
	j.Change(c, RightSide, []byte("x"), Row{Int(1), Int(20)}, emit)
	j.Advance(50)
	if len(outs) != 1 {
		t.Fatalf("within the ttl: %q", outs)
	}
	j.Advance(300) // a (t=0) and x (t=50) are older than 300 - 100
	if len(outs) != 1 || j.StateRows() != 0 || j.StateExpired() != 2 {
		t.Fatalf("expiry: outputs %q, %d rows held, %d expired", outs, j.StateRows(), j.StateExpired())
	}
	j.Now = 300
	j.Change(c, RightSide, []byte("y"), Row{Int(1), Int(30)}, emit)
	if len(outs) != 1 {
		t.Fatalf("a forgotten row matched a later one: %q", outs)
	}
}

var dbgTTL = false

func stFmtOrNil(r Row) string {
	if r == nil {
		return "nil"
	}
	return stFmt(r)
}

// TestRegularJoinStateTTLRestored: rows restored from a checkpoint count
// as changed at the first watermark after the restore, then expire.
func TestRegularJoinStateTTLRestored(t *testing.T) {
	col := func(i int) Expr { return func(c *Ctx, r Row) Value { return r[i] } }
	mk := func() *RegularJoin {
		return &RegularJoin{LeftKey: col(0), RightKey: col(0), LeftWidth: 2, RightWidth: 2, Preserve: -1, TTL: 100}
	}
	var outs []string
	emit := joinEmitFunc(func(old, new Row, key []byte) { outs = append(outs, string(key)) })
	c := &Ctx{}
	j := mk()
	j.Now = 0
	j.Change(c, LeftSide, []byte("a"), Row{Int(1), Int(10)}, emit)
	j.Advance(50)
	r := mk()
	if err := r.Restore(j.Snapshot(nil)); err != nil {
		t.Fatal(err)
	}
	r.Advance(1000) // the first watermark after the restore: a counts as changed at 1000
	r.Now = 1050
	r.Change(c, RightSide, []byte("x"), Row{Int(1), Int(20)}, emit)
	if len(outs) != 1 || r.StateExpired() != 0 {
		t.Fatalf("restored row within the ttl of the first watermark: outputs %q, %d expired", outs, r.StateExpired())
	}
	r.Advance(1200)
	r.Now = 1200
	r.Change(c, RightSide, []byte("y"), Row{Int(1), Int(30)}, emit)
	if len(outs) != 1 || r.StateExpired() != 2 {
		t.Fatalf("then it expires like any: outputs %q, %d expired", outs, r.StateExpired())
	}
}

// BenchmarkGroupStateTTL: GROUP BY k (10 000 keys), COUNT(*), SUM, a
// record per ms, the watermark advanced after each: without a ttl, and
// with one of 1 s (each key changes every 10 s on average: most groups
// expire and start again; the sweep runs every 250 ms of event time),
// and of 1 h (nothing expires: the cost of keeping the times).
func BenchmarkGroupStateTTL(b *testing.B) {
	for _, ttl := range []int64{0, 1000, 3_600_000} {
		b.Run(fmt.Sprintf("ttl=%dms", ttl), func(b *testing.B) {
			p := chPipe(ttlCfg(false, ttl), nil)
			keys := make([]Row, 10_000)
			for i := range keys {
				keys[i] = Row{stStr("k" + strconv.Itoa(i)), Int(int64(i))}
			}
			rng := rand.New(rand.NewPCG(1, 2))
			order := make([]int, 1<<16)
			for i := range order {
				order[i] = rng.IntN(len(keys))
			}
			c := &Ctx{}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tm := int64(i)
				p.Execute(c, keys[order[i&(len(order)-1)]], tm)
				p.Advance(c, tm)
			}
			b.ReportMetric(float64(p.StateRows()), "groups")
		})
	}
}

package planner

import (
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/velort/velort/runtime"
)

func init() { nativeFuncs["convert_tz"] = nativeConvertTZ }

// convertTZMaxMs is the last instant MySQL 8.0.28+ converts: TIMESTAMP's
// 64-bit range ends on 3001-01-18 (MariaDB 10.11's on 2038-01-19, an
// accepted difference).
var convertTZMaxMs = time.Date(3001, 1, 19, 0, 0, 0, 0, time.UTC).UnixMilli() - 1

// tzZone is a CONVERT_TZ zone: a fixed offset or a named location.
type tzZone struct {
	off int64          // offset east of UTC, ms (loc == nil)
	loc *time.Location // a named zone, 'SYSTEM'
}

// toUTC reads a wall-clock time in the zone (epoch ms as if UTC) as an
// instant.
func (z tzZone) toUTC(ms int64) int64 {
	if z.loc == nil {
		return ms - z.off
	}
	t := time.UnixMilli(ms).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), z.loc).UnixMilli()
}

// fromUTC is the zone's wall-clock time of an instant (epoch ms as if UTC).
func (z tzZone) fromUTC(ms int64) int64 {
	if z.loc == nil {
		return ms + z.off
	}
	_, off := time.UnixMilli(ms).In(z.loc).Zone()
	return ms + int64(off)*1000
}

// parseTZ reads a CONVERT_TZ zone: MySQL's offset '+HH:MM' (from -13:59
// to +14:00, minutes below 60), 'SYSTEM', or a zone name of Go's time
// zone database (MySQL needs its time zone tables for names).
func parseTZ(s string) (tzZone, bool) {
	if off, ok := parseTZOffset(s); ok {
		return tzZone{off: off}, true
	}
	if strings.EqualFold(s, "SYSTEM") {
		return tzZone{loc: time.Local}, true
	}
	if s == "" || s[0] == '+' || s[0] == '-' {
		return tzZone{}, false
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return tzZone{}, false
	}
	return tzZone{loc: loc}, true
}

// parseTZOffset is MySQL's str_to_offset, in ms.
func parseTZOffset(s string) (int64, bool) {
	if len(s) < 4 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	neg := s[0] == '-'
	i := 1
	var h, m int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if h = h*10 + int64(s[i]-'0'); h > 99 {
			return 0, false
		}
	}
	if i+1 >= len(s) || s[i] != ':' {
		return 0, false
	}
	for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if m = m*10 + int64(s[i]-'0'); m > 99 {
			return 0, false
		}
	}
	off := (h*60 + m) * 60
	if neg {
		off = -off
	}
	if i != len(s) || m > 59 || off < -(13*3600+59*60) || off > 14*3600 {
		return 0, false
	}
	return off * 1000, true
}

// tzCache keeps the last zone read from a record (a closure serves one
// partition's goroutine).
type tzCache struct {
	text string
	zone tzZone
	ok   bool
	set  bool
}

func (k *tzCache) get(c *runtime.Ctx, v runtime.Value) (tzZone, bool) {
	s := textOf(c, v)
	if k.set && string(s) == k.text {
		return k.zone, k.ok
	}
	k.text = string(s)
	k.zone, k.ok = parseTZ(k.text)
	k.set = true
	return k.zone, k.ok
}

// nativeConvertTZ is CONVERT_TZ(dt, from, to), as MySQL 8: a value whose
// instant (dt read in from) falls outside TIMESTAMP's range (before
// 1970-01-01 00:00:01 UTC, after 3001-01-18) is returned unchanged; an
// unknown zone gives NULL. go-mysql-server converted every value. Zones
// read from the record are parsed per value (the last one is kept).
func nativeConvertTZ(_ *exprEnv, f sql.FunctionExpression, args []compiled) (compiled, bool, error) {
	ch := f.Children()
	if len(ch) != 3 || args[0].typ == runtime.TJSON {
		return compiled{}, false, nil
	}
	zoneArg := func(e sql.Expression) func(c *runtime.Ctx, v runtime.Value) (tzZone, bool) {
		if cv, ok := isConst(e); ok {
			s, isStr := cv.(string)
			z, valid := parseTZ(s)
			valid = valid && isStr
			return func(*runtime.Ctx, runtime.Value) (tzZone, bool) { return z, valid }
		}
		k := &tzCache{}
		return k.get
	}
	fromOf, toOf := zoneArg(ch[1]), zoneArg(ch[2])
	return numFunc(args, runtime.TTimestamp, 0, func(c *runtime.Ctx, v []runtime.Value) runtime.Value {
		ms, ok := timeArg(v[0])
		from, okf := fromOf(c, v[1])
		to, okt := toOf(c, v[2])
		if !ok || !okf || !okt {
			return runtime.Null
		}
		u := from.toUTC(ms)
		if floorDiv(u, 1000) < 1 || u > convertTZMaxMs {
			return runtime.Timestamp(ms) // outside TIMESTAMP: not converted
		}
		return runtime.Timestamp(to.fromUTC(u))
	}), true, nil
}

package planner

import (
	"strings"
	"testing"
)

// TestNativeJSONPaths: JSON_EXTRACT / JSON_CONTAINS_PATH / JSON_VALUE
// follow MySQL's path language (GMS answered [] for $.a on an array,
// dead-lettered $[1] on an object and $.* on an array, found nothing for
// $**.b); values from MariaDB.
func TestNativeJSONPaths(t *testing.T) {
	arr := fbRow(`{"j":[1,"two",3.5,null,true]}`)
	runFbCases(t, []fbCase{
		{"JSON_EXTRACT(j, '$.a[2].b')", fbRec, `3`},
		{"JSON_EXTRACT(j, '$[0]')", fbRec, `{"a":[1,2,{"b":3}]}`},
		{"JSON_EXTRACT(j, '$[1]')", fbRec, `null`},
		{"JSON_EXTRACT(j, '$**.b')", fbRec, `[3]`},
		{"JSON_EXTRACT(j, '$.a[last]')", fbRec, `{"b":3}`},
		{"JSON_EXTRACT(j, '$.a[0 to 1]')", fbRec, `[1,2]`},
		{"JSON_EXTRACT(j, '$.*')", fbRec, `[[1,2,{"b":3}]]`},
		{"JSON_EXTRACT(j, '$[0]', '$[1]')", fbRec, `[{"a":[1,2,{"b":3}]}]`},
		{"JSON_UNQUOTE(JSON_EXTRACT(j, '$.a[0]'))", fbRec, `"1"`},
		{"JSON_CONTAINS_PATH(j, 'one', '$.a', '$.x')", fbRec, `true`},
		{"JSON_CONTAINS_PATH(j, 'all', '$.a', '$.x')", fbRec, `false`},
		{"JSON_VALUE(j, '$.a')", fbRec, `null`},
		{"JSON_VALUE(j, '$.a[1]')", fbRec, `"2"`},
		{"JSON_EXTRACT(j, '$.a')", arr, `null`},
		{"JSON_EXTRACT(j, '$.*')", arr, `null`},
		{"JSON_EXTRACT(j, '$[1]')", arr, `"two"`},
		{"JSON_CONTAINS_PATH(j, 'one', '$.a')", arr, `false`},
		{"JSON_TYPE(JSON_EXTRACT(j, '$.x'))", fbRec, `null`},
		{"JSON_TYPE(JSON_EXTRACT(j, '$.a[0]'))", fbRec, `"INTEGER"`},
		{"JSON_TYPE('3.5')", fbRec, `"DOUBLE"`},
		{"JSON_LENGTH('[]')", fbRec, `0`},
		{`JSON_UNQUOTE('a\\b')`, fbRec, `"a\\b"`},
		{`JSON_UNQUOTE('"a\\nb"')`, fbRec, `"a\nb"`},
		{"JSON_UNQUOTE('[1]')", fbRec, `"[1]"`},
		{"JSON_LENGTH(j, '$.a')", fbRec, `3`},
		{"JSON_LENGTH(j, '$.x')", fbRec, `null`},
		{"JSON_ARRAY(1e16, 0.1e0, 'a\"b', NULL, 1>0, ts, j, m)", fbRec, `[1e16,0.1,"a\"b",null,true,"2023-12-31 22:30:00.123",{"a":[1,2,{"b":3}]},12.50]`},
		{"JSON_OBJECT('k', 1, 'm', m, 't', ts)", fbRec, `{"k":1,"m":12.50,"t":"2023-12-31 22:30:00.123"}`},
		{"JSON_ARRAY(b, NOT b)", fbRec, `[1,false]`},
	})
	if got := fbEval(t, "JSON_EXTRACT(j, 'x')", fbRec); !strings.Contains(got, "Invalid JSON path expression") {
		t.Errorf("bad constant path = %s, want refused at check", got)
	}
}

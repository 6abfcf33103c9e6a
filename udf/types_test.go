package udf

import "testing"

func TestParseType(t *testing.T) {
	for in, want := range map[string]Type{
		"BIGINT": Int, "int": Int, "Integer": Int, "DOUBLE": Double, "float": Double,
		"BOOLEAN": Bool, "timestamp": Timestamp, "VARCHAR": String, "varchar(32)": String,
		"TEXT": String, "VARBINARY": Bytes, "json": JSON,
	} {
		got, err := ParseType(in)
		if err != nil || got != want {
			t.Errorf("ParseType(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "DECIMAL", "DATE", "VARCHAR(", "SMALLINTEGER"} {
		if _, err := ParseType(in); err == nil {
			t.Errorf("ParseType(%q) accepted", in)
		}
	}
}

func TestSignatureString(t *testing.T) {
	s := Signature{Name: "risk", Params: []Type{Double, Int}, Returns: Double}
	if got := s.String(); got != "risk(DOUBLE, BIGINT) -> DOUBLE" {
		t.Errorf("got %q", got)
	}
}

package planner

import "testing"

// TestNativeInetSoundexChar: INET_ATON's short forms, INET_NTOA's range,
// SOUNDEX and CHAR as MySQL computes them (values from MariaDB).
func TestNativeInetSoundexChar(t *testing.T) {
	runFbCases(t, []fbCase{
		{"INET_ATON('127')", fbRec, `127`},
		{"INET_ATON('1.2.3')", fbRec, `16908291`},
		{"INET_ATON('3.5')", fbRec, `50331653`},
		{"INET_ATON('1.256.0.0')", fbRec, `null`},
		{"INET_ATON(' 1.2.3.4')", fbRec, `null`},
		{"INET_NTOA(3)", fbRec, `"0.0.0.3"`},
		{"INET_NTOA(i)", fbRec, `null`},
		{"SOUNDEX('Robert')", fbRec, `"R163"`},
		{"SOUNDEX('Tymczak')", fbRec, `"T520"`},
		{"SOUNDEX('Ashcraft')", fbRec, `"A2613"`},
		{"SOUNDEX('Pfister')", fbRec, `"P236"`},
		{"SOUNDEX(s)", fbRec, `"H4643"`},
		{"SOUNDEX(' 42')", fbRec, `""`},
		{"SOUNDEX('été ')", fbRec, `"é300"`},
		{"SOUNDEX('日本')", fbRec, `"日000"`},
		{"HEX(CHAR(0))", fbRec, `"00"`},
		{"HEX(CHAR(256, 1))", fbRec, `"010001"`},
		{"HEX(CHAR(-1))", fbRec, `"FFFFFFFF"`},
	})
}

package planner

// statement is one ;-terminated statement of the file.
type statement struct {
	toks       []token
	start, end int // byte range of the statement text in the file (without ';')
}

// splitStatements tokenizes the whole file and splits it at top-level ';'.
func splitStatements(src *source) ([]statement, error) {
	toks, lerr := tokenize(src.text)
	if lerr != nil {
		return nil, src.errorAt(lerr.pos, "%s", lerr.msg)
	}
	var stmts []statement
	cur := []token{}
	flush := func() {
		if len(cur) > 0 {
			stmts = append(stmts, statement{toks: cur, start: cur[0].start, end: cur[len(cur)-1].end})
		}
		cur = []token{}
	}
	for _, t := range toks {
		if t.kind == tokPunct && t.text == ";" {
			flush()
			continue
		}
		cur = append(cur, t)
	}
	flush()
	return stmts, nil
}

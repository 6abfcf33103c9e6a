package planner

import (
	"fmt"
	"strings"
)

// Error is a problem in a SQL file, located by line and column (1-based).
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// source is a SQL file's text with its name, for locating errors.
type source struct {
	name string
	text string
}

// errorAt builds an Error at byte offset off of the file.
func (s *source) errorAt(off int, format string, args ...any) *Error {
	if off > len(s.text) {
		off = len(s.text)
	}
	line := 1 + strings.Count(s.text[:off], "\n")
	col := off - strings.LastIndexByte(s.text[:off], '\n')
	return &Error{File: s.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// tokenAt is a position-only token at byte offset off, for errorf.
func (s *source) tokenAt(off int) token { return token{start: off, end: off} }

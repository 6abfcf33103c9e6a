package transport

import (
	"sync"
	"testing"
)

// TestControlTokenShared: connections racing to read the control token get
// the same one, created once.
func TestControlTokenShared(t *testing.T) {
	e := startServer(t, nil)
	toks := make([]string, 4)
	var wg sync.WaitGroup
	for i := range toks {
		c := connect(t, e.ClientURL(), ConnOptions{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.ControlToken()
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		}()
	}
	wg.Wait()
	for _, tok := range toks {
		if tok == "" || tok != toks[0] {
			t.Fatalf("tokens differ or are empty: %q", toks)
		}
	}
}

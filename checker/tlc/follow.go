package tlc

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
)

// Logs is a batch of logs of spec actions for a trace module to follow:
// the generic half of trace validation. A protocol's trace module
// (spec/PaxosTrace.tla, spec/MultiPaxosTrace.tla) follows every log of
// its batch from the initial state, and prints two things this half
// reads back: <<"paxoscheck-accepted", t>> when it reaches the end of log
// t, and, when asked to diagnose, <<"paxoscheck-state", t, l, state>> for
// every state it reaches, l the position of the next entry of log t.
type Logs struct {
	// N is the number of logs.
	N int
	// Spec holds the modules the trace module extends (spec.Modules).
	Spec fs.FS
	// Name is the generated module's name.
	Name string
	// Files writes the module (named Name) and cfg that follow logs
	// lo..hi-1 of the batch, printing every state when diagnose.
	Files func(lo, hi int, diagnose bool) (module, cfg string)
}

// Accepted follows the logs with parts TLC processes at once, each of
// one worker on a contiguous part of the logs (TLC reads its modules on
// one thread, which is most of a large batch's time), and returns which
// logs (1-based) were followed to their end. dir names the folder part p
// works in ("" for a temporary one).
func (l Logs) Accepted(ctx context.Context, jar string, parts int, dir func(part int) string) (map[int]bool, error) {
	parts = max(1, min(parts, l.N))
	per := (l.N + parts - 1) / parts
	accepted := map[int]bool{}
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for p := 0; p*per < l.N; p++ {
		lo, hi := p*per, min((p+1)*per, l.N)
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := l.run(ctx, jar, lo, hi, false, dir(p))
			var got map[int]bool
			if err == nil {
				got, err = acceptedLogs(out)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmp.Or(first, err)
				return
			}
			for t := range got {
				accepted[lo+t] = true
			}
		}()
	}
	wg.Wait()
	return accepted, first
}

// Reach is how far TLC followed one log: At is the position of the first
// entry no state got past (the entries before it were followed), State a
// spec state there.
type Reach struct {
	At    int
	State Value
}

// Furthest follows every log once more, printing every state, in one TLC
// run in dir, and returns how far each log (1-based) got.
func (l Logs) Furthest(ctx context.Context, jar string, dir string) (map[int]Reach, error) {
	out, err := l.run(ctx, jar, 0, l.N, true, dir)
	if err != nil {
		return nil, err
	}
	far := map[int]Reach{}
	err = printed(out, "paxoscheck-state", func(v Value) error {
		if v.Kind != Tuple || len(v.Elems) != 4 || v.Elems[1].Kind != Int || v.Elems[2].Kind != Int {
			return fmt.Errorf("TLC printed %s, want <<\"paxoscheck-state\", t, l, state>>", v)
		}
		t, at := v.Elems[1].Int, v.Elems[2].Int
		if at > far[t].At {
			far[t] = Reach{At: at, State: v.Elems[3]}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading TLC's diagnosis: %w", err)
	}
	return far, nil
}

func (l Logs) run(ctx context.Context, jar string, lo, hi int, diagnose bool, dir string) (string, error) {
	module, cfg := l.Files(lo, hi, diagnose)
	return Run(ctx, jar, Model{Spec: l.Spec, Modules: map[string]string{l.Name: module},
		Root: l.Name, Config: cfg, Workers: 1, Dir: dir})
}

// printed yields every value TLC printed with PrintT whose first element
// is the string tag, however TLC broke it over lines.
func printed(out, tag string, f func(v Value) error) error {
	lines := strings.Split(out, "\n")
	start := `<<"` + tag + `"`
	for i := 0; i < len(lines); i++ {
		// TLC may print "<< \"tag\"," and break a long value over lines.
		if !strings.HasPrefix(strings.ReplaceAll(lines[i], " ", ""), start) {
			continue
		}
		text := lines[i]
		var v Value
		var err error
		for {
			if v, err = ParseValue(text); err == nil || i+1 >= len(lines) {
				break
			}
			i++
			text += "\n" + lines[i]
		}
		if err != nil {
			return err
		}
		if err := f(v); err != nil {
			return err
		}
	}
	return nil
}

// acceptedLogs reads which logs TLC followed to their end.
func acceptedLogs(out string) (map[int]bool, error) {
	got := map[int]bool{}
	err := printed(out, "paxoscheck-accepted", func(v Value) error {
		if v.Kind != Tuple || len(v.Elems) != 2 || v.Elems[1].Kind != Int {
			return fmt.Errorf("TLC printed %s, want <<\"paxoscheck-accepted\", N>>", v)
		}
		got[v.Elems[1].Int] = true
		return nil
	})
	return got, err
}

package tlc

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// logs is a batch of logs of spec actions for a trace module to follow
// (follow: the generic half of trace validation). A protocol's trace module
// (spec/PaxosTrace.tla, spec/MultiPaxosTrace.tla) follows every log of
// its batch from the initial state, and prints two things this half
// reads back: <<"paxoscheck-accepted", t>> when it reaches the end of log
// t, and, when asked to diagnose, <<"paxoscheck-state", t, l, state>> for
// every state it reaches, l the position of the next entry of log t.
type logs struct {
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
func (l logs) Accepted(ctx context.Context, jar string, parts int, dir func(part int) string) (map[int]bool, error) {
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
func (l logs) Furthest(ctx context.Context, jar string, dir string) (map[int]Reach, error) {
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

func (l logs) run(ctx context.Context, jar string, lo, hi int, diagnose bool, dir string) (string, error) {
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

// followOptions tune follow.
type followOptions struct {
	// Parts is how many TLC processes follow the logs at once, each on a
	// part of them (0: 1).
	Parts int
	// Keep, when set, is a folder that keeps TLC's inputs and outputs,
	// one subfolder per run, named after Tag.
	Keep, Tag string
}

// follow follows the n logs of a batch with TLC (jar): files writes the
// module (named name, extending a module of spec) and cfg that follow
// the logs whose indices it is given, printing every state when
// diagnose. It returns, for each log, 0 when TLC followed it to its end,
// else the 1-based position of its first entry no spec action explains,
// with a spec state there: a second run of the rejected logs alone,
// printing every state, finds them.
func follow(ctx context.Context, jar string, spec fs.FS, name string, n int, files func(logs []int, diagnose bool) (module, cfg string), o followOptions) ([]Reach, error) {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	keep := func(run string) string {
		if o.Keep == "" {
			return ""
		}
		return filepath.Join(o.Keep, o.Tag+"-"+run)
	}
	batch := logs{N: n, Spec: spec, Name: name, Files: func(lo, hi int, diagnose bool) (string, string) { return files(all[lo:hi], diagnose) }}
	accepted, err := batch.Accepted(ctx, jar, max(o.Parts, 1), func(part int) string { return keep(strconv.Itoa(part + 1)) })
	if err != nil {
		return nil, err
	}
	out := make([]Reach, n)
	var rejected []int
	for i := range n {
		if !accepted[i+1] {
			rejected = append(rejected, i)
		}
	}
	if len(rejected) == 0 {
		return out, nil
	}
	again := logs{N: len(rejected), Spec: spec, Name: name, Files: func(lo, hi int, diagnose bool) (string, string) { return files(rejected[lo:hi], diagnose) }}
	far, err := again.Furthest(ctx, jar, keep("rejected"))
	if err != nil {
		return nil, err
	}
	for r, i := range rejected {
		f, ok := far[r+1]
		if !ok || f.At < 1 {
			// The diagnostic run did not follow it at all: TLC's two runs
			// disagree, which only a broken setup can do.
			return nil, fmt.Errorf("log %d: rejected by one TLC run, not followed at all by the next", i+1)
		}
		out[i] = f
	}
	return out, nil
}

// WriteLogs writes logs as a TLA+ sequence of sequences, a log a line,
// each entry written by entry (a tuple: TLC's parser reads thousands of
// logs in seconds).
func WriteLogs[E any](w *strings.Builder, logs [][]E, entry func(w *strings.Builder, e *E)) {
	w.WriteString("<<\n")
	for i, log := range logs {
		w.WriteString("<<")
		for j := range log {
			if j > 0 {
				w.WriteString(",")
			}
			entry(w, &log[j])
		}
		w.WriteString(">>")
		if i < len(logs)-1 {
			w.WriteString(",")
		}
		w.WriteString("\n")
	}
	w.WriteString(">>")
}

// ValidateOptions tune a protocol's trace validation.
type ValidateOptions struct {
	// Correct follows every trace by the protocol's correct spec;
	// otherwise each is followed by the spec of the bugs its header
	// names.
	Correct bool
	// Workers is how many TLC processes run at once (0: 1): a batch is
	// cut into that many parts, each followed by one TLC of one worker,
	// since TLC reads its modules on one thread and that is most of a
	// large batch's time.
	Workers int
	// Keep, when set, is a folder that keeps TLC's inputs and outputs,
	// one subfolder per run.
	Keep string
}

// TraceVerdict is trace validation's verdict on one trace: V names the spec
// that followed it, E is the protocol's log entry.
type TraceVerdict[V fmt.Stringer, E any] struct {
	// Variant is the spec that followed it.
	Variant V
	// Entries is the number of spec entries its log has.
	Entries int
	// Accepted: the trace is a behaviour of the spec.
	Accepted bool
	// For a rejected trace: the first entry that no spec action explains
	// (the protocol's entry names its trace step and event), and the
	// spec state before it, as a reader reads it (State).
	Entry *E
	State string
}

// ValidateTraces is the driver of a protocol's trace validation, for n
// traces. prepare gives trace i's batch (the traces one TLC run follows
// together: the same cluster and spec), its spec variant and its log of
// entries; files writes the module and cfg that follow logs of a batch
// (printing every state when diagnose); describe writes a rejected
// trace's spec state as a reader reads it. Each batch is followed once
// (follow), its rejected logs once more; the verdicts come back in the
// order of the traces. The error is for a trace that cannot be validated
// (prepare's, naming it) or a TLC that does not run.
func ValidateTraces[V fmt.Stringer, E any](ctx context.Context, jar string, spec fs.FS, module string, n int, o ValidateOptions,
	prepare func(i int) (batch string, v V, log []E, err error),
	files func(batch string, logs [][]E, diagnose bool) (module, cfg string),
	describe func(i int, log []E, state Value) string) ([]TraceVerdict[V, E], error) {
	logs := map[string][][]E{}
	members := map[string][]int{}
	var order []string
	out := make([]TraceVerdict[V, E], n)
	for i := range n {
		b, v, log, err := prepare(i)
		if err != nil {
			return nil, fmt.Errorf("trace %d: %w", i+1, err)
		}
		if _, ok := logs[b]; !ok {
			order = append(order, b)
		}
		logs[b] = append(logs[b], log)
		members[b] = append(members[b], i)
		out[i] = TraceVerdict[V, E]{Variant: v, Entries: len(log)}
	}
	for k, b := range order {
		all := logs[b]
		pick := func(idx []int, diagnose bool) (string, string) {
			part := make([][]E, len(idx))
			for j, x := range idx {
				part[j] = all[x]
			}
			return files(b, part, diagnose)
		}
		far, err := follow(ctx, jar, spec, module, len(all), pick, followOptions{Parts: o.Workers, Keep: o.Keep, Tag: fmt.Sprintf("batch-%d", k+1)})
		if err != nil {
			return nil, err
		}
		for j, i := range members[b] {
			f := far[j]
			if f.At == 0 {
				out[i].Accepted = true
				continue
			}
			if f.At > len(all[j]) {
				return nil, fmt.Errorf("trace %d: rejected by one TLC run, followed to its end by the next", i+1)
			}
			e := all[j][f.At-1]
			out[i].Entry = &e
			out[i].State = describe(i, all[j], f.State)
		}
	}
	return out, nil
}

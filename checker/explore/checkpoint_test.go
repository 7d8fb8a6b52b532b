package explore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/graph/graphtest"
)

// stopAt is a Check that closes the returned channel (an Interrupt) the
// first time it sees a state at depth or deeper, and fails where bad does.
func stopAt(depth int, bad func(*tstate) string) (func(*tstate, int) *graph.Violation, chan struct{}) {
	stop := make(chan struct{})
	var once sync.Once
	return func(st *tstate, d int) *graph.Violation {
		if d >= depth {
			once.Do(func() { close(stop) })
		}
		if bad != nil {
			if detail := bad(st); detail != "" {
				return &graph.Violation{Invariant: "Bad", Step: d, Detail: detail}
			}
		}
		return nil
	}, stop
}

// TestCheckpointResume: a search interrupted at any depth, resumed from
// its last checkpoint, ends with the counts, "sometimes" facts and
// verdict of the search never stopped, on every fault model, on one
// worker and two, with and without a planted violation.
func TestCheckpointResume(t *testing.T) {
	bad := func(st *tstate) string {
		if st.Nodes[0].Count >= 3 {
			return "3 pings"
		}
		return ""
	}
	resumed := 0
	for _, o := range faultOptions {
		p := &graphtest.Toy{Opt: o}
		for _, b := range []func(*tstate) string{nil, bad} {
			check, _ := stopAt(1<<30, b)
			whole := run(t, &model{tproto: p}, topts{Workers: 1, Check: check})
			for _, workers := range []int{1, 2} {
				for depth := 1; depth <= whole.MaxDepth; depth++ {
					dir := t.TempDir()
					check, stop := stopAt(depth, b)
					first := run(t, &model{tproto: p}, topts{Workers: workers, Check: check, Interrupt: stop, Checkpoint: dir, CheckpointID: "toy"})
					if _, err := os.Stat(filepath.Join(dir, "checkpoint")); first.Stopped != "interrupted" || err != nil {
						continue // it found the violation first, or stopped before its first checkpoint
					}
					resumed++
					check, _ = stopAt(1<<30, b)
					r := run(t, &model{tproto: p}, topts{Workers: workers, Check: check, Checkpoint: dir, CheckpointID: "toy", Resume: true})
					if r.Distinct != whole.Distinct || r.Transitions != whole.Transitions || r.MaxDepth != whole.MaxDepth ||
						r.Complete != whole.Complete || r.Deadlocks != whole.Deadlocks || r.BoundDeadlocks != whole.BoundDeadlocks ||
						r.Chosen != whole.Chosen || r.AllLearned != whole.AllLearned || (r.Err() == nil) != (whole.Err() == nil) ||
						len(r.Path) != len(whole.Path) || r.Resumed == 0 {
						t.Errorf("%+v, bad %v, %d workers, stopped at depth %d, resumed at %d: %d states, %d transitions, depth %d, verdict %v, path %d; never stopped: %d, %d, %d, %v, %d",
							o, b != nil, workers, depth, r.Resumed, r.Distinct, r.Transitions, r.MaxDepth, r.Err(), len(r.Path),
							whole.Distinct, whole.Transitions, whole.MaxDepth, whole.Err(), len(whole.Path))
					}
				}
			}
		}
	}
	if resumed < 20 {
		t.Errorf("only %d searches resumed", resumed)
	}
}

// TestCheckpointRefused: a checkpoint missing, damaged, truncated or of
// another search is refused with ErrCheckpoint and says which.
func TestCheckpointRefused(t *testing.T) {
	p := &graphtest.Toy{Opt: faultOptions[2]}
	dir := t.TempDir()
	check, stop := stopAt(4, nil)
	run(t, &model{tproto: p}, topts{Workers: 1, Check: check, Interrupt: stop, Checkpoint: dir, CheckpointID: "toy"})
	path := filepath.Join(dir, "checkpoint")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	resume := func(id string) error {
		_, err := explore.Run[tid, tclient, tnode, tmsg, uint8, teff](&model{tproto: p}, topts{Workers: 1, Checkpoint: dir, CheckpointID: id, Resume: true})
		return err
	}
	if err := resume("other"); !errors.Is(err, explore.ErrCheckpoint) || !strings.Contains(err.Error(), "of another search") {
		t.Errorf("another search: %v", err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 1
	for name, data := range map[string][]byte{"damaged": flipped, "truncated": good[:len(good)-40], "not a checkpoint": []byte("hello")} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := resume("toy"); !errors.Is(err, explore.ErrCheckpoint) {
			t.Errorf("%s: %v", name, err)
		}
	}
	os.Remove(path)
	if err := resume("toy"); !errors.Is(err, explore.ErrCheckpoint) {
		t.Errorf("missing: %v", err)
	}
	if _, err := explore.Run[tid, tclient, tnode, tmsg, uint8, teff](&model{tproto: p}, topts{DFS: true, Checkpoint: dir}); !errors.Is(err, explore.ErrOptions) {
		t.Errorf("depth-first with a checkpoint: %v", err)
	}
}

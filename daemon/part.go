package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
	"github.com/paxoscheck/paxoscheck/traces"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// partFile is the node's part of the cluster's trace, opened for
// appending. Each step is one write of one line: the kernel has it when
// write returns, so a kill -9 of the process never loses or cuts it. The
// part is not fsynced: a power loss (which the nemesis does not make)
// may leave the state file ahead of the part, and the node then refuses
// to start (durableSince finds no line of the state it loads).
type partFile struct {
	f       *os.File
	step    int    // steps written
	lamport uint64 // the last step's clock
	time    int64
	buf     []byte // the lines of the group being written
}

// openPart opens path for node id of config c. An existing part is read
// back (a restart: its last step gives the step number and the clock to
// go on from); a last line cut short is cut off. A part of another
// cluster or node is refused. existed says whether there was one.
//
// loaded is what the store gave back. A node writes a group's lines
// before the group's durable write, and sends only after it; a node
// killed in between left lines of steps whose state never reached the
// disk and whose messages never left: nothing outside the node saw
// them. Those last steps, the last group (durableSince), are cut off
// (dropped counts them), so that the part records what happened.
func openPart(path string, id mp.NodeID, c mp.Config, loaded mp.Durable) (p *partFile, existed bool, dropped int, cut bool, err error) {
	h := mptrace.Header{Head: mptrace.NewHead(), Acceptors: c.Acceptors, Proposers: c.Proposers, Pipeline: c.Pipeline,
		Ops: []mptrace.Op{}, Part: &mptrace.PartOf{Node: id}, Run: traces.Run{Source: "paxosd", TimeUnit: traces.TimeNanos}}
	for _, b := range mp.Catalogue() {
		if c.Bugs.Has(b) {
			h.Bugs = append(h.Bugs, b.String())
		}
	}
	old, cut, err := mptrace.ReadPartFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// The header goes to a temporary file renamed into place, so a
		// node killed at its first start leaves a whole header or none.
		b, err := json.Marshal(&h)
		if err == nil {
			err = writeRenamed(path, append(b, '\n'))
		}
		if err != nil {
			return nil, false, 0, false, fmt.Errorf("trace %s: %w", path, err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, false, 0, false, err
		}
		return &partFile{f: f}, false, 0, false, nil
	case err != nil:
		return nil, true, 0, false, fmt.Errorf("trace %s: %w", path, err)
	}
	oh := old.Header
	if oh.Part.Node != id {
		return nil, true, 0, false, fmt.Errorf("trace %s is node %d's part, not node %d's: use this node's own data directory", path, oh.Part.Node, id)
	}
	if !slices.Equal(oh.Acceptors, h.Acceptors) || !slices.Equal(oh.Proposers, h.Proposers) ||
		oh.Pipeline != h.Pipeline || !slices.Equal(oh.Bugs, h.Bugs) {
		return nil, true, 0, false, fmt.Errorf("trace %s is node %d's part of another cluster: move it away or use another data directory", path, oh.Part.Node)
	}
	keep, err := durableSince(old.Steps, loaded)
	if err != nil {
		return nil, true, 0, false, fmt.Errorf("trace %s: %w", path, err)
	}
	if cut || keep < len(old.Steps) {
		if err := truncateToLines(path, 1+keep); err != nil {
			return nil, true, 0, false, err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, true, 0, false, err
	}
	p = &partFile{f: f}
	if keep > 0 {
		s := old.Steps[keep-1]
		p.step, p.lamport, p.time = s.Step, s.Lamport, s.Time
	}
	// The clock goes on from the last step written, kept or not: the
	// dropped steps' message ids must never be given again.
	if n := len(old.Steps); n > 0 {
		p.lamport = old.Steps[n-1].Lamport
	}
	return p, true, len(old.Steps) - keep, cut, nil
}

// writeRenamed writes b to a temporary file beside path and renames it
// over path.
func writeRenamed(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// durableSince returns how many of a part's steps to keep given that the
// store holds loaded, or an error when the store cannot hold that. A node
// writes a group's lines (the last one marked GroupEnd) before the
// group's one durable write, and sends only after that write; the next
// group starts after it. So the store holds the state of the last whole
// group, or of the group before it (a kill -9 before the last group's
// write), and a group whose lines a kill -9 cut short never reached the
// store. Any other state in it is a write the node made durable and then
// lost (a disk that lost power, a node without fsync), or another node's.
func durableSince(steps []mptrace.Step, loaded mp.Durable) (int, error) {
	var state mp.Durable // the node's durable state after each step
	states := make([]mp.Durable, len(steps))
	last, prev := 0, 0 // the ends of the last whole group and the one before it
	for i, s := range steps {
		if s.Loaded != nil {
			state = *s.Loaded
		}
		if s.Persist != nil {
			if s.PersistDelta {
				state = mp.ApplyDelta(state, *s.Persist)
			} else {
				state = *s.Persist
			}
		}
		states[i] = state
		if s.GroupEnd {
			prev, last = last, i+1
		}
	}
	after := func(k int) mp.Durable {
		if k == 0 {
			return mp.Durable{}
		}
		return states[k-1]
	}
	cands := []int{last} // a group cut short is cut off
	if last == len(steps) {
		cands = append(cands, prev)
	}
	for _, k := range cands {
		if after(k).Equal(loaded) {
			return k, nil
		}
	}
	stepAt := func(k int) int {
		if k == 0 {
			return 0
		}
		return steps[k-1].Step
	}
	durable := cands[len(cands)-1]
	for k := durable - 1; k >= 0; k-- {
		if after(k).Equal(loaded) {
			return -1, fmt.Errorf("its store lost writes it had made durable: it holds the state after the trace's step %d, but the steps up to %d were written to the store before their messages were sent (a disk that lost what was not synced?)", stepAt(k), stepAt(durable))
		}
	}
	return -1, fmt.Errorf("the state in the store is none that the trace records (is the state file another node's?)")
}

// truncateToLines cuts path after its first n lines.
func truncateToLines(path string, n int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	end := 0
	for i := 0; i < n; i++ {
		j := bytes.IndexByte(b[end:], '\n')
		if j < 0 {
			return fmt.Errorf("trace %s: %d lines, want at least %d", path, i, n)
		}
		end += j + 1
	}
	return os.Truncate(path, int64(end))
}

// write appends steps as the next steps, in one write to the file: a
// group's lines go out together (each line still whole, so a part cut
// short by kill -9 reads up to its last complete line).
func (p *partFile) write(steps ...*mptrace.Step) error {
	p.buf = p.buf[:0]
	for _, s := range steps {
		p.step++
		s.Step = p.step
		if s.Time < p.time {
			s.Time = p.time // the clock is monotonic; this only guards a clock that is not
		}
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		p.buf = append(append(p.buf, b...), '\n')
		p.lamport, p.time = s.Lamport, s.Time
	}
	if _, err := p.f.Write(p.buf); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}

func (p *partFile) close() error { return p.f.Close() }

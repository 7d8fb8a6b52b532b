package daemon

import (
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
// write returns, so a kill -9 of the process never loses or cuts it.
type partFile struct {
	f       *os.File
	step    int    // steps written
	lamport uint64 // the last step's clock
	time    int64
}

// openPart opens path for node id of config c. An existing part is read
// back (a restart: its last step gives the step number and the clock to
// go on from); a last line cut short is cut off. A part of another
// cluster or node is refused. existed says whether there was one.
func openPart(path string, id mp.NodeID, c mp.Config) (p *partFile, existed bool, err error) {
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
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
		if err != nil {
			return nil, false, err
		}
		p := &partFile{f: f}
		b, err := json.Marshal(&h)
		if err == nil {
			_, err = f.Write(append(b, '\n'))
		}
		if err != nil {
			f.Close()
			return nil, false, fmt.Errorf("trace %s: %w", path, err)
		}
		return p, false, nil
	case err != nil:
		return nil, true, fmt.Errorf("trace %s: %w", path, err)
	}
	oh := old.Header
	if oh.Part.Node != id || !slices.Equal(oh.Acceptors, h.Acceptors) || !slices.Equal(oh.Proposers, h.Proposers) ||
		oh.Pipeline != h.Pipeline || !slices.Equal(oh.Bugs, h.Bugs) {
		return nil, true, fmt.Errorf("trace %s is node %d's part of another cluster: move it away or use another data directory", path, oh.Part.Node)
	}
	if cut {
		if err := truncateAfterLastLine(path); err != nil {
			return nil, true, err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, true, err
	}
	p = &partFile{f: f}
	if n := len(old.Steps); n > 0 {
		s := old.Steps[n-1]
		p.step, p.lamport, p.time = s.Step, s.Lamport, s.Time
	}
	return p, true, nil
}

// truncateAfterLastLine cuts path after its last newline.
func truncateAfterLastLine(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n := len(b)
	for n > 0 && b[n-1] != '\n' {
		n--
	}
	return os.Truncate(path, int64(n))
}

// write appends s as the next step.
func (p *partFile) write(s *mptrace.Step) error {
	p.step++
	s.Step = p.step
	if s.Time < p.time {
		s.Time = p.time // the clock is monotonic; this only guards a clock that is not
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if _, err := p.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	p.lamport, p.time = s.Lamport, s.Time
	return nil
}

func (p *partFile) close() error { return p.f.Close() }

package mpmodel

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/viewer"
	"github.com/paxoscheck/paxoscheck/checker/viewer/viewertest"
	mptrace "github.com/paxoscheck/paxoscheck/traces/multipaxostrace"
)

// TestViewerPages: every checked-in counterexample makes a page that
// names the invariant it breaks (or, for the stale read, an illegal
// history), with slot-labelled messages.
func TestViewerPages(t *testing.T) {
	for _, c := range catalogue {
		path := filepath.Join(counterexampleDir, c.bug.String()+".jsonl")
		tr, err := mptrace.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := WriteHTML(&b, &tr, viewer.Options{Title: c.bug.String()}); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		page := b.String()
		want := `"name":"` + c.inv + `","ok":false`
		if c.inv == Linearizable {
			want = `"verdict":"illegal"`
		}
		if !strings.Contains(page, want) {
			t.Errorf("%s: the page lacks %s", path, want)
		}
		if !strings.Contains(page, " s1 ") && !strings.Contains(page, "s≥1") {
			t.Errorf("%s: no message on the page names its slot", path)
		}
	}
}

// TestViewLanes: every counterexample's page has a lane per client
// session (C0.., in the order of their first operation, as `paxoscheck
// show` has them) before the nodes' lanes (A0.., P3..); every Invoke is a
// request from its client's lane and every reply an answer to it; every
// step names the message it consumed.
func TestViewLanes(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(counterexampleDir, "*.jsonl"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no counterexamples in %s (%v)", counterexampleDir, err)
	}
	replies := 0
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			tr, err := mptrace.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := BuildPage(&tr, viewer.Options{NoPorcupine: true})
			if err != nil {
				t.Fatal(err)
			}
			h := &tr.Header
			var want []viewer.Column
			seen := map[int]bool{}
			for _, op := range h.Ops {
				if c := int(op.Cmd.Client); !seen[c] {
					seen[c] = true
					want = append(want, viewer.Column{ID: c, Label: "C" + strconv.Itoa(c), Role: "client", Client: true})
				}
			}
			if len(want) == 0 {
				t.Fatal("no client operations: the lanes would prove nothing")
			}
			for _, id := range h.Acceptors {
				want = append(want, viewer.Column{ID: int(id), Label: "A" + strconv.Itoa(int(id)), Role: "acceptor"})
			}
			for _, id := range h.Proposers {
				want = append(want, viewer.Column{ID: int(id), Label: "P" + strconv.Itoa(int(id)), Role: "proposer"})
			}
			if len(p.Columns) != len(want) {
				t.Fatalf("lanes %+v, want %+v", p.Columns, want)
			}
			for i := range want {
				if p.Columns[i] != want[i] {
					t.Errorf("lane %d is %+v, want %+v", i, p.Columns[i], want[i])
				}
			}
			for i, s := range tr.Steps {
				v := p.Steps[i]
				var wantMsgs []viewer.ClientMsg
				if s.Action == mptrace.EvInvoke {
					c := h.Ops[*s.Op].Cmd
					wantMsgs = append(wantMsgs, viewer.ClientMsg{Client: int(c.Client), Text: c.String()})
				}
				for _, r := range s.Replies {
					wantMsgs = append(wantMsgs, viewer.ClientMsg{Client: int(r.Client), Reply: true, Text: "reply " + replyText(r)})
					replies++
				}
				wantMsg := 0
				if s.Msg != nil {
					wantMsg = s.Msg.ID
				}
				viewertest.StepLanes(t, v, s.Step, s.Action, wantMsgs, wantMsg)
			}
		})
	}
	if replies == 0 {
		t.Error("no counterexample answers a client: the replies' lanes went unchecked")
	}
}

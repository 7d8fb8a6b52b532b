package paxosmodel

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/scenario"
	"github.com/paxoscheck/paxoscheck/checker/viewer"
	"github.com/paxoscheck/paxoscheck/checker/viewer/viewertest"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// TestViewLanes: the page has a lane per client (C0..) before the nodes'
// lanes (A0, P3, L5), named as `paxoscheck show` names them; every
// Invoke is a request from its client's lane and every reply an answer to
// it; every step names the message it consumed; every message is
// labelled as the text diagram labels it.
func TestViewLanes(t *testing.T) {
	fromScenario := func(name string) func(t *testing.T) paxostrace.Trace {
		return func(t *testing.T) paxostrace.Trace {
			sc, err := scenario.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := sc.Run()
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
	}
	fromFile := func(path string) func(t *testing.T) paxostrace.Trace {
		return func(t *testing.T) paxostrace.Trace {
			tr, err := paxostrace.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
	}
	tests := []struct {
		name    string
		trace   func(t *testing.T) paxostrace.Trace
		replies bool // the trace answers a client
	}{
		{name: "normal scenario", trace: fromScenario("normal"), replies: true},
		{name: "dueling proposers scenario", trace: fromScenario("dueling-proposers"), replies: true},
		{name: "the viewer's 50-step duel", trace: fromFile(filepath.Join("..", "..", "viewer", "testdata", "duel-50.jsonl"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := tc.trace(t)
			p, err := BuildPage(&tr, viewer.Options{NoPorcupine: true})
			if err != nil {
				t.Fatal(err)
			}
			h := &tr.Header
			if len(h.Clients) == 0 {
				t.Fatal("a trace without clients: the lanes would prove nothing")
			}
			var want []viewer.Column
			for _, c := range h.Clients {
				want = append(want, viewer.Column{ID: int(c.ID), Label: "C" + strconv.Itoa(int(c.ID)), Role: "client", Client: true})
			}
			for _, group := range []struct {
				ids  paxostrace.NodeIDs
				role string
			}{{h.Acceptors, "acceptor"}, {h.Proposers, "proposer"}, {h.Learners, "learner"}} {
				for _, id := range group.ids {
					want = append(want, viewer.Column{ID: int(id), Label: strings.ToUpper(group.role[:1]) + strconv.Itoa(int(id)), Role: group.role})
				}
			}
			if len(p.Columns) != len(want) {
				t.Fatalf("lanes %+v, want %+v", p.Columns, want)
			}
			for i := range want {
				if p.Columns[i] != want[i] {
					t.Errorf("lane %d is %+v, want %+v", i, p.Columns[i], want[i])
				}
			}
			replies := 0
			for i, s := range tr.Steps {
				v := p.Steps[i]
				var wantMsgs []viewer.ClientMsg
				if s.Action == paxostrace.EvInvoke && s.Client != nil {
					wantMsgs = append(wantMsgs, viewer.ClientMsg{Client: int(*s.Client), Text: "propose " + string(s.Value)})
				}
				for _, r := range s.Replies {
					wantMsgs = append(wantMsgs, viewer.ClientMsg{Client: int(r.Client), Reply: true, Text: "reply " + string(r.Value)})
					replies++
				}
				wantMsg := 0
				if s.Msg != nil {
					wantMsg = s.Msg.ID
				}
				viewertest.StepLanes(t, v, s.Step, s.Action, wantMsgs, wantMsg)
				for _, m := range s.Sent {
					for _, a := range p.Arrows {
						if a.ID == m.ID && a.Text != paxostrace.MessageLabel(m.Message) {
							t.Errorf("message #%d labelled %q, the text diagram says %q", m.ID, a.Text, paxostrace.MessageLabel(m.Message))
						}
					}
				}
			}
			if tc.replies != (replies > 0) {
				t.Errorf("%d replies in the trace; the case says it answers a client: %v", replies, tc.replies)
			}
		})
	}
}
